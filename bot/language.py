"""Per-language text handling: a message's words, their stems, which content language a Telegram
`language_code` means, and which supported language a message is written in. Pure.

Word endings are folded by the Snowball stemmers (`snowballstemmer`) for every language that has
one (English, Russian, Spanish...). Chinese is written without spaces: in the router a run of Han
characters becomes one word per character ("小腿抽筋" -> 小 腿 抽 筋); the warning-sign detector
cuts it into the words its own file uses, longest first. Characters were measured against
character pairs and against jieba's segmentation on the Chinese tuning half (`python -m bench
cjk`, README "Languages"): characters route best, need no dictionary, and jieba (unreleased
since 2020) is not needed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import snowballstemmer  # type: ignore[import-untyped]
from rapidfuzz import utils

from bot.spelling import remembered

# Snowball's name for each content language that has a stemmer.
SNOWBALL = {"en": "english", "ru": "russian", "es": "spanish", "de": "german", "fr": "french",
            "it": "italian", "pt": "portuguese", "nl": "dutch"}  # fmt: skip
# Languages written without spaces between words.
UNSPACED = frozenset({"zh"})
# Telegram language codes that mean another content folder ("zh-hans" -> "zh").
CODE_ALIASES = {
    "zh-hans": "zh", "zh-hant": "zh", "zh-cn": "zh", "zh-tw": "zh", "zh-hk": "zh", "zh-sg": "zh",
    "es-419": "es", "pt-br": "pt", "en-gb": "en", "en-us": "en",
}  # fmt: skip

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN_RUN = HAN_RUN
# Splits a token into runs of Han characters and the rest, keeping both.
_HAN_PARTS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")
_KANA = re.compile(r"[\u3040-\u30ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")
# The characters that mark a language in Latin script ("¿", "ñ": Spanish).
_MARKS = {"es": frozenset("ñ¿¡áéíóú")}


def content_language(language_code: str | None, available: Iterable[str]) -> str | None:
    """The content folder a Telegram `language_code` means ("zh-hant" -> "zh", "es-419" ->
    "es"), or None when the bot has no such folder."""
    if not language_code:
        return None
    code = language_code.strip().lower().replace("_", "-")
    names = set(available)
    for candidate in (CODE_ALIASES.get(code, code), code.split("-")[0]):
        if candidate in names:
            return candidate
    return None


class _CombiningMarks(dict[int, int | None]):
    """A `str.translate` table that deletes combining marks (accents once decomposed) and keeps
    every other character. Each character is classified once, on first sight, and remembered:
    translating is then one C-level look-up per character instead of a Python call."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        if len(self) < 100_000:  # bounded: a message of random code points cannot grow it far
            self[code] = kept
        return kept


_MARKS_OFF = _CombiningMarks()


def _strip_accents(text: str) -> str:
    """Accents off ("cómo" -> "como"), but "ñ" is a letter of its own ("año" is not "ano")."""
    if text.isascii():  # most words: nothing to take off (and start-up folds 100,000 of them)
        return text
    decomposed = unicodedata.normalize("NFD", text.replace("ñ", "\0"))
    plain = decomposed.translate(_MARKS_OFF)
    return unicodedata.normalize("NFC", plain).replace("\0", "ñ")


_STEMS: dict[str, dict[str, str]] = {}


@dataclass
class Analyzer:
    """A language's words and stems. `cjk`: how a run of Han characters becomes words in the
    router: "chars" (each character) or "ngrams" (characters and neighbouring pairs); `cut`, if
    given, segments a run instead (bench/cjk.py measures jieba that way)."""

    language: str
    cjk: str = "chars"
    cut: Callable[[str], list[str]] | None = None
    _stems: dict[str, str] = field(default_factory=dict, repr=False)
    _stemmer: Callable[[str], str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # A word's stem depends on its language alone: every analyser of a language shares
        # what has been stemmed (a content copy, or a second router, stems nothing twice).
        self._stems = _STEMS.setdefault(self.language, self._stems)
        name = SNOWBALL.get(self.language)
        if name is not None:
            self._stemmer = snowballstemmer.stemmer(name).stemWord

    @property
    def unspaced(self) -> bool:
        return self.language in UNSPACED

    def fold(self, text: str) -> str:
        """Lower case, with the spelling variants a language allows read as one: accents in
        Spanish ("cómo" = "como"), "ё" in Russian."""
        text = text.lower()
        if self.language == "es":
            return _strip_accents(text)
        if self.language == "ru":
            return text.replace("ё", "е").replace("\u0301", "")
        return text

    def stem(self, word: str) -> str:
        """The word's stem (Snowball's, one pass: a second pass would cut a stem further,
        "кровать" -> "кроват" -> "кров", as in "кровь")."""
        return remembered(self._stems, word, self._stem)

    def _stem(self, word: str) -> str:
        if self._stemmer is None or not word.isalpha() or _HAN.search(word):
            return word
        return self._stemmer(word)

    def split(self, token: str, *, ngrams: bool | None = None, runs: bool = False) -> list[str]:
        """One token of a message as words: a run of Han characters as its characters (and,
        with `ngrams`, the pairs of neighbouring ones), anything else as it is; with `runs`,
        each run of Han characters whole."""
        if not _HAN.search(token):
            return [token]
        if runs:
            return [p for p in _HAN_PARTS.split(token) if p]
        use_ngrams = self.cjk == "ngrams" if ngrams is None else ngrams
        out: list[str] = []
        for part in _HAN_PARTS.split(token):
            if not part:
                continue
            if not _HAN_RUN.fullmatch(part):
                out.append(part)
            elif self.cut is not None and ngrams is None:
                out.extend(w for w in self.cut(part) if w.strip())
            else:
                out.extend(part)
                if use_ngrams:
                    out.extend(part[i : i + 2] for i in range(len(part) - 1))
        return out

    @staticmethod
    def segment(
        run: str, vocabulary: frozenset[str], sizes: Mapping[str, tuple[int, ...]]
    ) -> list[str]:
        """A run of Han characters as words of `vocabulary`, longest first from the left
        (forward maximum matching); a character no word covers stands alone. `sizes`: for each
        first two characters, the lengths of the words that start with them, longest first."""
        out: list[str] = []
        i, end = 0, len(run)
        while i < end:
            step = 1
            # Keyed by two characters, most positions need one look-up to know no word starts.
            for size in sizes.get(run[i : i + 2], ()):
                if size <= end - i and run[i : i + size] in vocabulary:
                    step = size
                    break
            out.append(run[i : i + step])
            i += step
        return out

    @staticmethod
    def segment_sizes(vocabulary: Iterable[str]) -> dict[str, tuple[int, ...]]:
        """For `segment`: the word lengths of each first two characters, longest first."""
        sizes: dict[str, set[int]] = {}
        for word in vocabulary:
            if len(word) > 1:
                sizes.setdefault(word[:2], set()).add(len(word))
        return {first: tuple(sorted(found, reverse=True)) for first, found in sizes.items()}

    def is_pair(self, word: str) -> bool:
        """A pair of neighbouring characters `split` added (Chinese, "ngrams")."""
        return self.cjk == "ngrams" and len(word) == 2 and bool(_HAN_RUN.fullmatch(word))

    def sequence(self, words: list[str]) -> list[str]:
        """The words in their order, without the character pairs `split` adds."""
        if not self.unspaced or self.cjk != "ngrams":
            return words
        return [w for w in words if not (len(w) == 2 and _HAN_RUN.fullmatch(w))]

    def words(self, text: str) -> list[str]:
        """The message's words for the router: folded, punctuation gone, Han runs split."""
        plain = " ".join(utils.default_process(self.fold(text)).split())
        if not self.unspaced:
            return plain.split()
        return [w for token in plain.split() for w in self.split(token)]


def script_language(text: str, available: Iterable[str]) -> str | None:
    """The language a message's script alone says (Han: Chinese, Cyrillic: Russian), if the bot
    has it; None for Latin script or mixed text."""
    letters = _LETTER.findall(text)
    if not letters:
        return None
    names = set(available)
    if _KANA.search(text):
        return None  # Japanese, not Chinese
    han = sum(bool(_HAN.match(c)) for c in letters)
    if "zh" in names and han and (han >= 2 or han == len(letters)) and han * 4 >= len(letters):
        return "zh"
    cyrillic = sum(bool(_CYRILLIC.match(c)) for c in letters)
    if "ru" in names and cyrillic * 2 > len(letters):
        return "ru"
    return None


class LanguageGuesser:
    """Which supported language a message is clearly written in (None: not clear). Script
    decides for Chinese and Russian; between languages in Latin script, words only one of them
    uses (its small words, its keywords) and its marks ("ñ", "¿") are the evidence."""

    # A message needs this many words only one language uses, and none of the other's.
    STRONG = 2

    def __init__(self, vocabularies: Mapping[str, Iterable[str]]) -> None:
        """`vocabularies`: per language, the folded words of its keywords and small words."""
        self.languages = tuple(vocabularies)
        sets = {lang: frozenset(words) for lang, words in vocabularies.items()}
        self._only: dict[str, frozenset[str]] = {}
        for lang, words in sets.items():
            others = frozenset().union(*(w for other, w in sets.items() if other != lang))
            self._only[lang] = words - others
        self._analyzers = {lang: Analyzer(lang) for lang in self.languages}

    def guess(self, text: str) -> str | None:
        by_script = script_language(text, self.languages)
        if by_script is not None:
            return by_script
        if _HAN.search(text) or _CYRILLIC.search(text):
            return None
        lowered = text.lower()
        scores: dict[str, int] = {}
        for lang in self.languages:
            if lang in UNSPACED or lang == "ru":
                continue
            words = self._analyzers[lang].words(text)
            hits = sum(w in self._only[lang] for w in words)
            hits += sum(c in lowered for c in _MARKS.get(lang, ()))
            scores[lang] = hits
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        n_words = len(lowered.split())
        needed = 1 if n_words <= 2 else self.STRONG
        if score >= needed and runner_up == 0:
            return best
        return None
