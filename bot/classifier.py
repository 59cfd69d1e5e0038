"""A multinomial naive Bayes model of which intent a message's words point to. Pure: no I/O.

The router's keyword evidence knows the words the keyword lists name; people use many more.
This model learns from labelled example messages (each language's `examples.tsv`, the tuning
half of the evaluation set) how often each word and word pair appears with each intent, and
gives the router a second opinion it blends with its own scores. Words are whatever the caller
makes of a message (the router gives its folded, typo-corrected words), so the model and the
router always agree on what a word is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

# Additive smoothing: a word never seen with an intent still has a small chance of it.
ALPHA = 0.3
# A feature seen in fewer example messages than this says more about one message than about
# people: it is left out.
MIN_COUNT = 2


@dataclass(frozen=True)
class Blend:
    """How the router mixes the model in (`[model]` of routing.toml): an intent's final score is
    its keyword score (0..1) plus `share` times the model's probability for it, and the best
    intent is shown when that reaches `accept` (else the fallback). The model's say should
    grow with its examples: both are chosen per language by cross-validation on the examples."""

    share: float = 0.0
    accept: float = 0.6


def features(words: Sequence[str]) -> set[str]:
    """The words of a message and each pair of neighbours ("calf_swollen"): present or not."""
    return {*words, *(f"{a}_{b}" for a, b in pairwise(words))}


@dataclass(frozen=True)
class NaiveBayes:
    """Per intent: log prior and the smoothing floor (the log likelihood of a known feature
    never seen with it); per feature: how far above the floor it lifts each intent it was seen
    with. Sparse, so scoring a message costs a few additions per word."""

    intents: tuple[str, ...]
    log_prior: tuple[float, ...]
    log_floor: tuple[float, ...]
    lift: dict[str, tuple[tuple[int, float], ...]]

    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[Sequence[str], str]],
        alpha: float = ALPHA,
        min_count: int = MIN_COUNT,
    ) -> NaiveBayes:
        """From (message words, intent) pairs; ValueError if there are none."""
        counts: dict[str, dict[str, int]] = {}
        messages: Counter[str] = Counter()
        for words, intent in examples:
            messages[intent] += 1
            for feature in features(words):
                by_intent = counts.get(feature)
                if by_intent is None:
                    counts[feature] = {intent: 1}
                else:
                    by_intent[intent] = by_intent.get(intent, 0) + 1
        if not messages:
            raise ValueError("the classifier needs at least one example")
        counts = {f: c for f, c in counts.items() if sum(c.values()) >= min_count}
        intents = tuple(sorted(messages))
        index = {intent: k for k, intent in enumerate(intents)}
        seen = Counter[str]()
        for by_intent in counts.values():
            seen.update(by_intent)
        totals = [seen[i] + alpha * len(counts) for i in intents]
        n = messages.total()
        lift = {
            feature: tuple(
                (index[i], math.log((c + alpha) / alpha)) for i, c in sorted(by_intent.items())
            )
            for feature, by_intent in counts.items()
        }
        return cls(
            intents,
            tuple(math.log(messages[i] / n) for i in intents),
            tuple(math.log(alpha / total) for total in totals),
            lift,
        )

    def posterior(self, words: Sequence[str]) -> dict[str, float]:
        """Each intent's probability given the message's words; features never seen in
        training say nothing and are left out (a message of such words gives the priors)."""
        scores = list(self.log_prior)
        known = 0
        for feature in features(words):
            row = self.lift.get(feature)
            if row is None:
                continue
            known += 1
            for k, value in row:
                scores[k] += value
        if known:
            scores = [s + known * floor for s, floor in zip(scores, self.log_floor, strict=True)]
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        return {intent: w / total for intent, w in zip(self.intents, weights, strict=True)}
