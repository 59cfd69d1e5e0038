"""Free text -> intent, with a score from 0 to 100. Pure: no Telegram, no I/O.

Keyword phrases come from the content (each topic's `keywords`, the warning signs in
`routing.toml`) and are pre-processed once when the router is built. A message is matched by
rapidfuzz against every phrase; the best phrase of each intent is that intent's score.
Warning signs are checked first and win over everything; a message that matches nothing well
goes to `fallback`, never to the nearest medical topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.intents import FALLBACK, SAFETY

# A message routes to an intent when its best phrase scores at least this.
ACCEPT_SCORE = 60
# Phrases scoring below this against a message are not considered at all.
MIN_SCORE = 40
# Fuzzy matching looks at the start of a message only, so a 4,096-character message costs about
# what a short one does; warning signs are still searched for in the whole text.
MATCH_CHARS = 240
# How close a word or phrase must be to a warning sign to count (typos allowed).
RED_FLAG_WORD_SCORE = 86
RED_FLAG_PHRASE_SCORE = 90
MIN_FUZZY_WORD = 4
ALTERNATIVES = 3


@dataclass(frozen=True)
class Route:
    intent: str
    score: int
    # The closest other intents, best first, for "Did you mean ...?" buttons.
    alternatives: tuple[tuple[str, int], ...] = ()
    red_flag: str | None = None


def normalise(text: str) -> str:
    """Lower case, punctuation and emoji to spaces, runs of spaces folded."""
    return " ".join(utils.default_process(text).split())


class Router:
    def __init__(
        self,
        keywords: Mapping[str, Iterable[str]],
        red_flags: Iterable[str],
        suffixes: Iterable[str] = (),
    ) -> None:
        """`keywords` maps an intent id to its phrases; `red_flags` are warning-sign phrases;
        `suffixes` are word endings folded away before matching ("cramping" ~ "cramp")."""
        self._suffixes = tuple(sorted(suffixes, key=len, reverse=True))
        phrases: dict[str, str] = {}
        for intent, words in keywords.items():
            for word in words:
                key = self._fold(word)
                if key and key not in phrases:
                    phrases[key] = intent
        if not phrases:
            raise ValueError("the router needs at least one keyword")
        self._phrases = list(phrases)
        self._phrase_intent = [phrases[p] for p in self._phrases]

        flags = {normalise(p) for p in red_flags} - {""}
        self._flag_words = sorted(f for f in flags if " " not in f)
        self._flag_word_set = frozenset(self._flag_words)
        self._flag_phrases = sorted(f for f in flags if " " in f)

    def _fold(self, text: str) -> str:
        return " ".join(self._stem(w) for w in normalise(text).split())

    def _stem(self, word: str) -> str:
        for suffix in self._suffixes:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                return word[: -len(suffix)]
        return word

    def red_flag(self, text: str) -> str | None:
        """The warning sign the text mentions, if any (typos allowed)."""
        norm = normalise(text)
        if not norm:
            return None
        words = set(norm.split())
        exact = words & self._flag_word_set
        if exact:
            return min(exact)
        padded = f" {norm} "
        for phrase in self._flag_phrases:
            if f" {phrase} " in padded:
                return phrase
        for word in words:
            if len(word) >= MIN_FUZZY_WORD:
                hit = process.extractOne(
                    word, self._flag_words, scorer=fuzz.ratio, score_cutoff=RED_FLAG_WORD_SCORE
                )
                if hit:
                    return str(hit[0])
        head = norm[: MATCH_CHARS * 2]
        for phrase in self._flag_phrases:
            # partial_ratio slides the shorter string over the longer: a short message would
            # match inside a phrase ("hi" in "white leg"), so it must be the phrase that slides.
            scorer = fuzz.partial_ratio if len(head) > len(phrase) else fuzz.ratio
            if scorer(phrase, head, score_cutoff=RED_FLAG_PHRASE_SCORE):
                return phrase
        return None

    def scores(self, text: str) -> list[tuple[str, int]]:
        """Every intent that matched at all, with its best phrase's score, best first."""
        query = self._fold(text[:MATCH_CHARS])
        if not query:
            return []
        # token_set_ratio rewards a phrase found inside the message, token_sort_ratio rewards a
        # phrase that covers the whole message; the mean of the two favours the phrase that
        # explains most of what was said, and word order and typos cost little in either.
        contained = process.extract(
            query, self._phrases, scorer=fuzz.token_set_ratio, limit=None, score_cutoff=MIN_SCORE
        )
        best: dict[str, float] = {}
        for phrase, set_score, index in contained:
            score = (set_score + fuzz.token_sort_ratio(query, phrase)) / 2
            intent = self._phrase_intent[index]
            if score > best.get(intent, 0.0):
                best[intent] = score
        ranked = sorted(best.items(), key=lambda item: -item[1])
        return [(intent, round(score)) for intent, score in ranked]

    def route(self, text: str) -> Route:
        ranked = self.scores(text)
        flag = self.red_flag(text)
        if flag is not None:
            others = tuple((i, s) for i, s in ranked if i != SAFETY)[:ALTERNATIVES]
            return Route(SAFETY, 100, others, red_flag=flag)
        if ranked and ranked[0][1] >= ACCEPT_SCORE:
            intent, score = ranked[0]
            return Route(intent, score, tuple(ranked[1 : 1 + ALTERNATIVES]))
        # The score says how sure the router is that nothing fits.
        top = ranked[0][1] if ranked else 0
        return Route(FALLBACK, 100 - top, tuple(ranked[:ALTERNATIVES]))
