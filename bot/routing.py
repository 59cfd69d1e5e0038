"""Free text -> intent, with a score from 0 to 100. Pure: no Telegram, no I/O.

Keyword phrases come from the content (each topic's `keywords`) and are pre-processed once
when the router is built. A message is matched by rapidfuzz against every phrase; the best
phrase of each intent is that intent's score. Warning signs (`bot.warning_signs`, over the whole
message) are checked first and win over everything; a message that matches nothing well goes
to `fallback`, never to the nearest medical topic.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.classifier import Blend, NaiveBayes
from bot.intents import CRAMP_NOW, FALLBACK, SAFETY
from bot.language import Analyzer
from bot.routing_cues import Cue
from bot.spelling import Speller
from bot.warning_signs import Warning, WarningDetector, WarningSpec

# A message routes to an intent when its best phrase scores at least this.
ACCEPT_SCORE = 60
# Phrases scoring below this against a message are not considered at all.
MIN_SCORE = 40
COMMON_WORD_SHARE = 0.08
# At most this many phrases get the costly token_set_ratio (only long messages reach it).
MAX_CANDIDATES = 24
# Fuzzy matching looks at the start of a message only, so a 4,096-character message costs about
# what a short one does; warning signs are still searched for in the whole text.
MATCH_CHARS = 240
ALTERNATIVES = 3
_REPEATS = re.compile(r"(.)\1+")
_EXACT = re.compile(r"(?<![^\s])=([^\W\d_]+)")
# Only the intents whose words explain most of the message are scored in full.
MAX_INTENTS = 10
# An intent's score mixes its best phrase's fuzzy score with the evidence of the message's words
# for it: the share of the message's weight (rare words weigh more) that its keywords explain.
PHRASE_SHARE = 0.6
# Weight of a word no keyword uses ("homework"): it counts against every intent.
UNKNOWN_WEIGHT = 2.0
# Weight of a generic word ("help", "please", "remind"): never enough to pick a topic alone.
GENERIC_WEIGHT = 0.35
# Points a cramp now gains when the message says it is happening now.
NOW_BONUS = 30
# Points a question word gives its family of intents ("why" -> the causes), and the score of
# the family's general intent in a message about cramps that has no keyword of it.
CUE_BONUS = 15
CUE_BASE = 40
# Points a topic loses when the message has no anchor word and some words no keyword uses.
ANCHOR_PENALTY = 20
# Intents that need no anchor: they are not about cramps themselves.
UNANCHORED = frozenset({"help", "smalltalk"})


@dataclass(frozen=True)
class WordSet:
    """Words to look for in a message: single words, and phrases (" a b ") found in order."""

    singles: frozenset[str]
    phrases: tuple[str, ...] = ()

    def found(self, words: Iterable[str], query: str) -> bool:
        """Whether the message (its words, and " w1 w2 ... " in order) holds one of them."""
        return not self.singles.isdisjoint(words) or any(p in query for p in self.phrases)


@dataclass(frozen=True)
class Route:
    intent: str
    score: int
    # The closest other intents, best first, for "Did you mean ...?" buttons.
    alternatives: tuple[tuple[str, int], ...] = ()
    # The warning signs the message mentions, most urgent first.
    warnings: tuple[Warning, ...] = ()

    @property
    def red_flag(self) -> str | None:
        """The most urgent warning sign's id, if any."""
        return self.warnings[0].sign if self.warnings else None

    @property
    def tier(self) -> str | None:
        """The warning tier to show (emergency, today, soon), if any."""
        return self.warnings[0].tier if self.warnings else None


def normalise(text: str) -> str:
    """Lower case, punctuation and emoji to spaces, runs of spaces folded."""
    return " ".join(utils.default_process(text).split())


class Router:
    def __init__(
        self,
        keywords: Mapping[str, Iterable[str]],
        warnings: WarningSpec,
        analyzer: Analyzer | None = None,
        stop_words: Iterable[str] = (),
        known_words: Iterable[str] = (),
        generic_words: Iterable[str] = (),
        places: Mapping[str, Iterable[str]] | None = None,
        anchors: Iterable[str] = (),
        needs: Mapping[str, Iterable[str]] | None = None,
        now_words: Iterable[str] = (),
        now_phrases: Iterable[str] = (),
        not_now: Iterable[str] = (),
        cues: Iterable[Cue] = (),
        examples: Iterable[tuple[str, str]] = (),
        blend: Blend | None = None,
    ) -> None:
        """`keywords` maps an intent id to its phrases; `warnings` describes the warning signs;
        `analyzer`: the language's words and stems ("cramping" ~ "cramp"; English if None);
        `stop_words` ("the", "my") never make a phrase a candidate on their own;
        `known_words`: real words of the language, never taken for a typo of a keyword;
        `generic_words` ("help", "please", "remind") never pick a topic on their own;
        `places` maps a flow intent to the words that place a cramp there ("bed", "pool");
        `anchors` are words that put a message in the bot's field (cramp, calf, stretch...);
        `needs` maps an intent to words of which the message must have one;
        `now_words` and `now_phrases` say a cramp is happening now ("rn", "what do i do"),
        unless a word of `not_now` makes it a general question ("when", "usually");
        `cues` are question words ("why", "prevent") that favour a family of intents;
        `examples` are labelled messages (text, intent) the learned model is trained on (none:
        keywords alone decide); `blend` says how much the model weighs (bot/classifier.py)."""
        self._analyzer = analyzer or Analyzer("en")
        self._short_stem = warnings.short_stem
        # A Chinese character says about what a short word does: fewer of them are matched.
        self._match_chars = MATCH_CHARS // 3 if self._analyzer.unspaced else MATCH_CHARS
        # A small or generic word whose stem is also the stem of a topic's word ("remind" and
        # "reminders"): the small word keeps a stem of its own, so it stays small.
        small = {w for x in (*stop_words, *generic_words) for w in self._analyzer.words(x)}
        topical = {
            w for words in keywords.values() for p in words for w in self._analyzer.words(p)
        } - small
        topical_stems = {self._analyzer.stem(w) for w in topical}
        self._marked = {w: f"={w}" for w in small if self._analyzer.stem(w) in topical_stems}
        # A keyword word written "=lovely" is matched as written: its stem is another word.
        self._marked |= {
            w.lower(): w.lower() for ws in keywords.values() for p in ws for w in _EXACT.findall(p)
        }
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
        # token_sort_ratio is ratio() of the sorted words: sort each phrase's words once here.
        self._sorted_phrases = [" ".join(sorted(p.split())) for p in self._phrases]
        self._sorted_by_intent: dict[str, list[str]] = {}
        for sorted_phrase, intent in zip(self._sorted_phrases, self._phrase_intent, strict=True):
            self._sorted_by_intent.setdefault(intent, []).append(sorted_phrase)
        self._lengths, self._phrase_words = self._index_phrases()
        # Which phrases hold each word, so token_set_ratio (the costly scorer) only runs on
        # phrases that share a word with the message; for the rest it equals token_sort_ratio.
        # A word found in a large share of phrases ("cramp") says little about which phrase
        # fits and would make every phrase a candidate: it is left out of the index.
        phrases_with: dict[str, list[int]] = {}
        for index, phrase in enumerate(self._phrases):
            for word in set(phrase.split()):
                phrases_with.setdefault(word, []).append(index)
        common = len(self._phrases) * COMMON_WORD_SHARE
        skip = {k for w in stop_words for k in self._keys(w)}
        # With the weight a shared word gives each of them (1 / how many phrases hold it).
        self._phrases_with = {
            w: (ix, 1.0 / len(ix))
            for w, ix in phrases_with.items()
            if len(ix) <= common and w not in skip
        }

        vocabulary = {w for p in self._phrases for w in p.split()}
        known = {*known_words}
        self.detector = WarningDetector(
            warnings, {*vocabulary, *skip, *known}, analyzer=self._analyzer
        )
        # Evidence: which intents use each word, and how much a word says (rarer: more).
        self._stop = skip
        self._generic = {k for w in generic_words for k in self._keys(w)}
        intents_with: dict[str, set[str]] = {}
        for phrase, intent in zip(self._phrases, self._phrase_intent, strict=True):
            for word in phrase.split():
                if word not in skip:
                    intents_with.setdefault(word, set()).add(intent)
        n_intents = len(set(self._phrase_intent))
        self._intents_with = {w: frozenset(i) for w, i in intents_with.items()}
        self._weight = {
            w: math.log(1 + n_intents / len(i)) * (GENERIC_WEIGHT if w in self._generic else 1)
            for w, i in intents_with.items()
        }
        # Warning-sign words that no keyword uses ("swollen" in "no swelling, just a cramp")
        # weigh nothing here: the detector has dealt with them.
        self._neutral = self.detector.vocabulary - self._weight.keys()
        self._places = {intent: self._word_set(words) for intent, words in (places or {}).items()}
        self._anchors = self._word_set(anchors)
        self._needs = {intent: self._word_set(words) for intent, words in (needs or {}).items()}
        # Whole words as well as folded ones: "crampng" is closer to "cramping" than to "cramp".
        raw_words = {w for k in keywords.values() for p in k for w in self._analyzer.words(p)}
        self._speller = Speller(
            {
                *self._weight,
                *raw_words,
                *(w for ws in (needs or {}).values() for w in ws),
                *(w for ws in self._places.values() for w in ws.singles),
                *self._anchors.singles,
                *(w for ws in (places or {}).values() for w in ws),
                *anchors,
            },
            known | skip,
        )
        self._now = self._word_set(now_words)
        self._now_phrases = tuple(f" {' '.join(self._sequence(p))} " for p in now_phrases)
        self._not_now = self._word_set(not_now)
        self._cues = tuple(
            (
                self._word_set(cue.words),
                tuple(f" {' '.join(self._sequence(p))} " for p in cue.phrases),
                frozenset(cue.intents),
                cue.intents[0],
            )
            for cue in cues
        )
        self._blend_with = blend or Blend()
        self.model: NaiveBayes | None = None
        self.learn(examples)

    def _index_phrases(self) -> tuple[dict[str, list[int]], list[frozenset[str]]]:
        """Each intent's sorted phrases by length, shortest first, and their lengths (a phrase
        far shorter or longer than the message cannot reach MIN_SCORE, so only a slice of them
        is scored); and each phrase's words (a phrase whose words are all in the message, or
        the message's all in it, has a token_set_ratio of 100, known without computing it)."""
        for by_intent in self._sorted_by_intent.values():
            by_intent.sort(key=len)
        lengths = {i: [len(p) for p in ps] for i, ps in self._sorted_by_intent.items()}
        return lengths, [frozenset(p.split()) for p in self._phrases]

    def learn(self, examples: Iterable[tuple[str, str]]) -> None:
        """Train the learned model on (text, intent) examples, in place of the one it had;
        no examples, or a share of 0 in the blend: keywords alone decide. A message the
        warning-sign detector catches never reaches the model, so it is not learned from
        either: the model learns the messages it will be asked about."""
        examples = [(t, i) for t, i in examples if not self.detector.detect(t)]
        self.model = (
            NaiveBayes.train((self._query_words(t[: self._match_chars]), i) for t, i in examples)
            if examples and self._blend_with.share > 0
            else None
        )

    def _fold(self, text: str) -> str:
        return " ".join(self._stem(w) for w in self._analyzer.words(text))

    def _keys(self, entry: str) -> list[str]:
        """The words a list entry stands for: itself folded; in Chinese a one-character entry
        is that character and a longer one its character pairs ("我的" -> 我的, not 我 and 的)."""
        if not self._analyzer.unspaced:
            return [self._fold(entry)]
        seq = self._sequence(entry)
        if len(seq) <= 1:
            return seq
        pairs = [w for w in self._analyzer.words(entry) if w not in seq]
        return pairs or [" ".join(seq)]

    def _stem(self, word: str) -> str:
        marked = self._marked.get(word)
        if marked:
            return marked
        stem = self._analyzer.stem(word)
        # A stem this short is shared by too many words ("бананы" -> "бан"): keep the word.
        return word if len(stem) <= self._short_stem < len(word) else stem

    def _sequence(self, text: str, *, stem: bool = True) -> list[str]:
        """The text's words in order, for phrase look-ups (Chinese: characters, no pairs)."""
        words = self._analyzer.sequence(self._analyzer.words(text))
        return [self._stem(w) for w in words] if stem else words

    def _word_set(self, words: Iterable[str]) -> WordSet:
        """Words of a list as stems; entries of several words ("stop getting", or a Chinese
        word of several characters) as phrases, found in the message's words in order."""
        singles, phrases = set(), []
        for entry in words:
            seq = self._sequence(entry)
            if len(seq) == 1:
                singles.add(seq[0])
            elif seq:
                phrases.append(f" {' '.join(seq)} ")
        return WordSet(frozenset(singles), tuple(phrases))

    def _query(self, words: list[str]) -> str:
        """The message's words in order, spaced, for phrase look-ups."""
        return f" {' '.join(self._analyzer.sequence(words))} "

    def _query_words(self, text: str) -> list[str]:
        """The message's words, folded and typo-corrected against the keywords' words; a sign
        a negation denies ("no chest pain, just a cramp") is left out: it says nothing of what
        the person wants (the detector has read the message whole)."""
        out = []
        detector = self.detector
        denying = 0  # words still under a negation, read as the detector reads them
        if not self._analyzer.unspaced:
            text = detector.rewritten(text)  # "no pain in my chest" -> "no chest pain"
        words = self._analyzer.words(text)
        for at, word in enumerate(words):
            said, following = word, words[at + 1] if at + 1 < len(words) else None
            if following == "t":  # "isn't" comes as "isn" and "t": read "isnt"
                said, following = f"{word}t", words[at + 2] if at + 2 < len(words) else None
            if detector.ends_denial(said):
                denying = 0
            elif not self._analyzer.unspaced and detector.negates(said, following):
                denying = detector.spec.window
            elif denying:
                denying -= 1
                if self.detector.denied_sign(word):
                    continue
            folded = self._stem(word)
            if (
                self._analyzer.is_pair(word)
                and folded not in self._weight
                and folded not in self._stop
            ):
                continue  # a pair of characters no keyword has says nothing (Chinese)
            if folded in self._weight or folded in self._stop or self._speller.known(word):
                out.append(folded)
                continue
            single = _REPEATS.sub(r"\1", word)  # "byeee", "okk", "crampinggg"
            if single != word and (self._stem(single) in self._weight or single in self._stop):
                out.append(self._stem(single))
                continue
            corrected = self._speller.correct(word) or self._speller.correct(folded)
            if corrected in self._weight:  # already a stem the keywords use
                out.append(corrected)
            else:
                out.append(self._stem(corrected) if corrected else folded)
        return out

    def _evidence(self, words: list[str]) -> dict[str, float]:
        """Per intent: the share of the message's weight its keywords explain, 0..1; only
        intents with at least one word that is not generic."""
        content = [w for w in dict.fromkeys(words) if w not in self._stop]
        if not content:
            return {}
        known = [w for w in content if w in self._weight]
        unknown = sum(w not in self._weight and w not in self._neutral for w in content)
        # Unknown words count less and less: a long message tells its story around the topic.
        total = sum(self._weight[w] for w in known) + UNKNOWN_WEIGHT * math.sqrt(unknown)
        if total == 0:
            return {}
        evidence: dict[str, float] = {}
        topical: set[str] = set()
        for word in content:
            intents = self._intents_with.get(word)
            if intents is None:
                continue
            weight = self._weight[word]
            for intent in intents:
                evidence[intent] = evidence.get(intent, 0.0) + weight
            if word not in self._generic:
                topical.update(intents)
        only_generic = all(w in self._generic for w in content if w in self._weight)
        shares = {
            i: e / total
            for i, e in evidence.items()
            if i in topical or (only_generic and i in UNANCHORED)
        }
        if len(shares) > MAX_INTENTS:  # the rest explain too little of the message to win
            floor = sorted(shares.values(), reverse=True)[MAX_INTENTS - 1]
            shares = {i: share for i, share in shares.items() if share >= floor}
        return shares

    def _apply_cues(self, words: list[str], query: str, combined: dict[str, float]) -> None:
        """A question word ("why", "prevent") lifts its family of intents; in a message about
        cramps, the family's general intent is a candidate even with no keyword of its own.
        `query`: the words spaced (`_query`)."""
        about_cramps = self._anchors.found(words, query)
        for cue_words, cue_phrases, family, general in self._cues:
            if not (cue_words.found(words, query) or any(p in query for p in cue_phrases)):
                continue
            if about_cramps and general not in combined:
                combined[general] = CUE_BASE
            for intent in family & combined.keys():
                combined[intent] += CUE_BONUS

    def _happening_now(self, words: list[str], query: str) -> bool:
        """A cramp now: a word or phrase of the moment ("rn", "what do i do"), no general
        question word ("when", "usually", "prevent")."""
        if self._not_now.found(words, query):
            return False
        if self._now.found(words, query):
            return True
        return any(p in query for p in self._now_phrases)

    def _off_field(self, words: list[str], query: str) -> bool:
        """No anchor word, and some words no keyword uses: likely about something else."""
        if self._anchors.found(words, query):
            return False
        return any(
            w not in self._weight and w not in self._stop and w not in self._neutral for w in words
        )

    def scores(self, text: str) -> list[tuple[str, int]]:
        """Every intent that matched at all, with its combined score, best first."""
        return self._scores(self._query_words(text[: self._match_chars]))

    def _scores(self, words: list[str]) -> list[tuple[str, int]]:
        query = " ".join(words)
        if not query:
            return []
        evidence = self._evidence(words)
        # token_set_ratio rewards a phrase found inside the message, token_sort_ratio rewards a
        # phrase that covers the whole message; the mean of the two favours the phrase that
        # explains most of what was said, and word order and typos cost little in either.
        sorted_query = " ".join(sorted(words))
        best = self._best_phrases(sorted_query, evidence)
        # Candidates, weighted by how rare the shared words are (a word in few phrases says more).
        shared: dict[int, float] = {}
        phrases_with = self._phrases_with
        for word in dict.fromkeys(words):  # each word once, in order: results never vary
            if word in phrases_with:
                holders, weight = phrases_with[word]
                for i in holders:
                    shared[i] = shared.get(i, 0.0) + weight
        candidates = sorted(shared, key=shared.__getitem__, reverse=True)[:MAX_CANDIDATES]
        query_words = frozenset(query.split())
        for index in candidates:
            intent = self._phrase_intent[index]
            if intent not in evidence:
                continue
            sort_score = fuzz.ratio(sorted_query, self._sorted_phrases[index])
            phrase_words = self._phrase_words[index]
            if phrase_words and (phrase_words <= query_words or query_words <= phrase_words):
                set_score = 100.0  # what token_set_ratio gives when one holds the other
            else:
                set_score = fuzz.token_set_ratio(query, self._phrases[index])
            best[intent] = max(best.get(intent, 0.0), (set_score + sort_score) / 2)
        spaced = self._query(words)
        combined = {
            intent: PHRASE_SHARE * best.get(intent, 0.0) + (1 - PHRASE_SHARE) * 100 * share
            for intent, share in evidence.items()
            if intent not in self._needs or self._needs[intent].found(words, spaced)
        }
        if CRAMP_NOW in combined and self._happening_now(words, spaced):
            combined[CRAMP_NOW] += NOW_BONUS
        self._apply_cues(words, spaced, combined)
        if self._off_field(words, spaced):
            for intent in combined:
                if intent not in UNANCHORED:
                    combined[intent] -= ANCHOR_PENALTY
        # Ties in intent order: the evidence comes from sets, whose order varies by process.
        ranked = sorted(combined.items(), key=lambda item: (-item[1], item[0]))
        # Bonuses and penalties can leave 0..100: the order stands, the score is clamped.
        return [(intent, max(0, min(100, round(score)))) for intent, score in ranked]

    def _best_phrases(self, sorted_query: str, evidence: Mapping[str, float]) -> dict[str, float]:
        """Per intent the message's words point to, its best phrase's fuzz.ratio with the
        message (sorted words), if at least MIN_SCORE. ratio is at most 200 * shorter / (sum
        of both lengths), so only phrases of a length within `reach` times the message's (a
        character of slack either way) can reach it: the others are not scored."""
        size = len(sorted_query)
        reach = 200 / MIN_SCORE - 1  # how many times longer the other side may be: 4 at 40
        shortest, longest = (size - 1) / reach, reach * size + 1
        best: dict[str, float] = {}
        for intent in evidence:
            lengths = self._lengths[intent]
            phrases = self._sorted_by_intent[intent][
                bisect_left(lengths, shortest) : bisect_right(lengths, longest)
            ]
            if not phrases:
                continue
            hit = process.extractOne(
                sorted_query, phrases, scorer=fuzz.ratio, score_cutoff=MIN_SCORE
            )
            if hit is not None:
                best[intent] = hit[1]
        return best

    def _place(self, words: list[str]) -> str | None:
        """The flow a place word in the message points to (the first one listed wins)."""
        query = self._query(words)
        for intent, place_words in self._places.items():
            if place_words.found(words, query):
                return intent
        return None

    def route(self, text: str) -> Route:
        words = self._query_words(text[: self._match_chars])
        ranked = self._scores(words)
        warnings = self.detector.detect(text)
        if warnings:
            others = tuple((i, s) for i, s in ranked if i != SAFETY)[:ALTERNATIVES]
            return Route(SAFETY, 100, others, warnings)
        if self.model is not None:
            ranked, accept = self._blend(words, ranked), round(100 * self._blend_with.accept)
        else:
            accept = ACCEPT_SCORE
        if ranked and ranked[0][0] != FALLBACK and ranked[0][1] >= accept:
            intent, score = ranked[0]
            if intent == CRAMP_NOW:
                intent = self._place(words) or intent
            others = tuple((i, s) for i, s in ranked[1:] if i != FALLBACK)
            return Route(intent, score, others[:ALTERNATIVES])
        # The score says how sure the router is that nothing fits.
        others = tuple((i, s) for i, s in ranked if i != FALLBACK)
        top = others[0][1] if others else 0
        return Route(FALLBACK, max(0, 100 - top), others[:ALTERNATIVES])

    def _blend(self, words: list[str], ranked: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """Keyword scores plus the learned model's say, best first (ordered by the sum, shown
        clamped to 100); the model's fallback competes as an intent."""
        assert self.model is not None
        share = self._blend_with.share
        blended = {intent: score / 100 for intent, score in ranked}
        posterior = self.model.posterior(words)
        for intent, p in posterior.items():
            # Only intents the keywords found at all: the model reorders them and never adds
            # a "Did you mean" of its own.
            if intent in blended or intent == FALLBACK:
                blended[intent] = blended.get(intent, 0.0) + share * p
        flow = self._place(words) if ranked and ranked[0][0] == CRAMP_NOW else None
        if flow is not None:
            # A cramp now in a place ("in bed", "in the pool") opens that place's flow
            # (route()): when the keywords say "a cramp now" first, the model's say for that
            # flow counts for it too, so examples split between "cramp now" and the flow do not
            # leave it under the accept score.
            blended[CRAMP_NOW] += share * posterior.get(flow, 0.0)
        order = sorted(blended.items(), key=lambda item: (-item[1], item[0]))
        return [(intent, min(100, round(100 * score))) for intent, score in order]
