"""Words of a message, folded and typo-corrected against a known vocabulary. Pure.

`words()` splits a message into clauses of lower-case words (apostrophes dropped, so "can't" is
"cant"). `Speller` corrects a word to the closest vocabulary word within one edit (two for
long words), counting a swap of two letters as one edit ("crmap" -> "cramp"). It looks words up
by their one-letter deletions (the SymSpell idea), so a correction costs a few dict look-ups
instead of a scan of the vocabulary, and a 4,096-character message stays well under a
millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TypeVar

from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

# Words shorter than this are corrected only by a missing letter ("puls" -> "pulse"): a changed
# letter in a short word is too often another word ("warm"/"worm", "calf"/"half").
MIN_CORRECTABLE = 5
# Words at least this long may be two edits away from their vocabulary word.
LONG_WORD = 9
# Clause boundaries: punctuation ends one; so do these words (a negation never crosses them).
# One pass: words (apostrophes inside kept for now), clause punctuation, and a spaced dash.
_TOKEN = re.compile(
    r"\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)\b|\d{1,2}[:.]\d{2}\b"  # clock times: "2am", "6:40"
    r"|[^\W_]+(?:['’][^\W_]+)*|[.,;:!?\n()\[\]，。！？；：、]|(?<=\s)[-–—]+(?=\s)"
)
_PUNCTUATION = frozenset(".,;:!?\n()[]，。！？；：、")
_CACHE_LIMIT = 50_000
V = TypeVar("V")
_MISSING = object()


def remembered(cache: dict[str, V], key: str, compute: Callable[[str], V]) -> V:
    """`compute(key)`, kept in `cache`; the cache is emptied when it is full, so it stays small."""
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = compute(key)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def strip_endings(word: str, suffixes: Iterable[str], *, repeat: bool = False) -> str:
    """The word without the first ending of `suffixes` it has (longest first), only for words
    longer than the ending plus three letters; with `repeat`, until none is left (so folding
    again changes nothing: "evenings" -> "evening" -> "even")."""
    for _ in range(3 if repeat else 1):
        for suffix in suffixes:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        else:
            return word
    return word


# A word seen at least this often in pyspellchecker's word-frequency list is a real word, and
# is never "corrected" into a keyword ("sweet" is not a typo of "swept", nor "lane" of "plane").
KNOWN_WORD_MIN_COUNT = 200
# The other languages' lists are smaller and counted on another scale: every word there counts.
KNOWN_WORD_MIN_COUNTS = {"en": KNOWN_WORD_MIN_COUNT}


@lru_cache(maxsize=8)
def dictionary_words(language: str) -> frozenset[str]:
    """Common words of a language (empty for a language pyspellchecker has no list for)."""
    try:
        checker = SpellChecker(language=language, distance=1)
    except ValueError:
        return frozenset()
    counts = checker.word_frequency.dictionary
    return frozenset(
        word.replace("'", "")
        for word, n in counts.items()
        if n >= KNOWN_WORD_MIN_COUNTS.get(language, 1)
    )


def clauses(text: str, symbols: Mapping[str, str] | None = None) -> list[list[str]]:
    """The message as clauses of lower-case words; apostrophes are dropped ("can't" -> "cant");
    `symbols` are read as words first ({">": " over "})."""
    text = text.lower()
    for symbol, word in (symbols or {}).items():
        text = text.replace(symbol, word)
    out: list[list[str]] = []
    current: list[str] = []
    for token in _TOKEN.findall(text):
        if token[0] in _PUNCTUATION or token[0] in "-–—":
            if current:
                out.append(current)
                current = []
        else:
            current.append(token.replace("'", "").replace("’", "").replace(" ", ""))
    if current:
        out.append(current)
    return out


def _deletes(word: str, depth: int) -> Iterator[str]:
    yield word
    if depth == 0:
        return
    seen = {word}
    frontier = [word]
    for _ in range(depth):
        nxt = []
        for w in frontier:
            for i in range(len(w)):
                d = w[:i] + w[i + 1 :]
                if d not in seen:
                    seen.add(d)
                    nxt.append(d)
                    yield d
        frontier = nxt


def _max_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


# Each language's router and detector have a speller each: room for every one of them.
@lru_cache(maxsize=8)
def _delete_index(vocabulary: frozenset[str]) -> Mapping[str, Sequence[str]]:
    """Each word of `vocabulary` under every form with up to its allowed edits' letters
    deleted (symmetric delete spelling correction), in sorted order: built once per
    vocabulary and only read, so two spellers of the same words share it."""
    index: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        if len(word) < MIN_CORRECTABLE - 1:
            continue
        for key in _deletes(word, _max_edits(word)):
            index.setdefault(key, []).append(word)
    return index


class Speller:
    """Corrects a word to the closest word of a vocabulary (None: nothing close enough)."""

    def __init__(self, vocabulary: Iterable[str], known: Iterable[str] = ()) -> None:
        """`vocabulary`: words to correct to; `known`: words that are left alone even though
        they are one edit from a vocabulary word (other topics' words, say)."""
        self.vocabulary = frozenset(vocabulary)
        self._known = self.vocabulary | frozenset(known)
        self._index = _delete_index(self.vocabulary)
        self._cache: dict[str, str | None] = {}

    def known(self, word: str) -> bool:
        """A vocabulary word, or a real word that is left alone."""
        return word in self._known

    def correct(self, word: str) -> str | None:
        """The word itself when known, its correction, or None."""
        if word in self._known:
            return word if word in self.vocabulary else None
        if len(word) < MIN_CORRECTABLE - 1:
            return None
        return remembered(self._cache, word, self._lookup)

    def _lookup(self, word: str) -> str | None:
        if len(word) < MIN_CORRECTABLE:
            # Only a missing letter ("puls") or two swapped ones ("cafl"): the same letters.
            found = sorted(w for w in self._index.get(word, ()) if len(w) == len(word) + 1)
            if not found:
                found = sorted(
                    w for key in _deletes(word, 1) for w in self._index.get(key, ())
                    if len(w) == len(word) and sorted(w) == sorted(word)
                    and OSA.distance(w, word) == 1
                )  # fmt: skip
            return found[0] if found else None
        limit = _max_edits(word)
        candidates: set[str] = set()
        for key in _deletes(word, limit):
            candidates.update(self._index.get(key, ()))
        best: str | None = None
        best_key: tuple[int, bool, int] = (limit + 1, True, 0)
        for candidate in sorted(candidates):
            allowed = min(limit, _max_edits(candidate))
            distance = OSA.distance(word, candidate, score_cutoff=allowed)
            # Closest first; on a tie, a typo rarely changes the first letter or the length.
            rank = (distance, candidate[0] != word[0], abs(len(candidate) - len(word)))
            if distance <= allowed and rank < best_key:
                best, best_key = candidate, rank
        return best
