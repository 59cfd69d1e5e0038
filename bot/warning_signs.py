"""Warning signs in free text: which red flag a message mentions, and how urgent it is. Pure.

The red flags of the fact base are described in `content/<lang>/warning_signs.toml` as
*concepts* (a body part, a sign, a duration, a medicine...) and *signs* that fire on a
combination of concepts ("leg + swollen", "chest + chest_symptom"), like the triage tuples of
symptom checkers. The detector finds each concept in the message, typos allowed, drops a sign
word that a negation right before it denies ("no swelling"), and returns every sign whose
combination is complete, most urgent first. It runs on the whole message, before routing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.spelling import Speller, clauses

TIERS = ("emergency", "today", "soon")  # most urgent first
IGNORE = "ignore"  # the concept of phrases that only look like a sign ("once in a blue moon")
LONG_DURATION = "long_duration"  # the concept the duration reader adds
_NUMBER_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?)([a-z]+)$")  # "20min", "2hrs"
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_RANGE = re.compile(r"^(\d+)\D+(\d+)$")


@dataclass(frozen=True)
class SignDef:
    id: str
    tier: str
    when: tuple[tuple[str, ...], ...]  # any one tuple fires the sign; each needs all its concepts
    mention: str
    advice: str
    related: tuple[str, ...]


@dataclass(frozen=True)
class WarningSpec:
    concepts: Mapping[str, tuple[str, ...]]
    signs: tuple[SignDef, ...]
    negations: frozenset[str]
    boundaries: frozenset[str]
    context: frozenset[str]
    window: int
    long_minutes: float
    minute_units: frozenset[str]
    hour_units: frozenset[str]
    numbers: Mapping[str, float]
    tier_actions: Mapping[str, str]
    texts: Mapping[str, str]


@dataclass(frozen=True)
class Warning:
    """A sign the message mentions: its id (a `[[sign]]` of the content) and its tier."""

    sign: str
    tier: str


def _strings(where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: must be a list of non-empty strings")
    return tuple(v.strip().lower() for v in value)


def parse_spec(data: Mapping[str, Any]) -> WarningSpec:
    """The spec from warning_signs.toml; ValueError("key: problem") on a mistake."""
    matching = data.get("matching", {})
    durations = data.get("durations", {})
    raw_concepts = data.get("concepts", {})
    if not isinstance(raw_concepts, dict) or not raw_concepts:
        raise ValueError("concepts: table is missing")
    concepts = {name: _strings(f"concepts.{name}", v) for name, v in raw_concepts.items()}
    known = set(concepts) | {LONG_DURATION}
    signs = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("sign", [])):
        sid = raw.get("id")
        where = f"sign.{sid or n}"
        if not isinstance(sid, str) or not sid.isidentifier() or sid in seen:
            raise ValueError(f"{where}.id: must be a unique identifier")
        seen.add(sid)
        if raw.get("tier") not in TIERS:
            raise ValueError(f"{where}.tier: must be one of {', '.join(TIERS)}")
        when = []
        for line in _strings(f"{where}.when", raw.get("when")):
            names = tuple(part.strip() for part in line.split("+"))
            unknown = [name for name in names if name not in known]
            if unknown:
                raise ValueError(f"{where}.when: no concept {unknown[0]!r}")
            when.append(names)
        for key in ("mention", "advice"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise ValueError(f"{where}.{key}: must be a non-empty string")
        signs.append(
            SignDef(
                sid, raw["tier"], tuple(when), raw["mention"].strip(), raw["advice"].strip(),
                tuple(raw.get("related", [])),
            )
        )  # fmt: skip
    if not signs:
        raise ValueError("sign: needs at least one [[sign]]")
    tiers = data.get("tiers", {})
    actions = {}
    for tier in TIERS:
        action = tiers.get(tier, {}).get("action")
        if not isinstance(action, str) or not action.strip():
            raise ValueError(f"tiers.{tier}.action: is missing")
        actions[tier] = action.strip()
    numbers = durations.get("numbers", {})
    if not all(isinstance(v, int | float) for v in numbers.values()):
        raise ValueError("durations.numbers: values must be numbers")
    return WarningSpec(
        concepts=concepts,
        signs=tuple(signs),
        negations=frozenset(_strings("matching.negations", matching.get("negations", []))),
        boundaries=frozenset(_strings("matching.boundaries", matching.get("boundaries", []))),
        context=frozenset(matching.get("context", [])),
        window=int(matching.get("negation_window", 3)),
        long_minutes=float(durations.get("long_minutes", 10)),
        minute_units=frozenset(_strings("durations.minute_units", durations["minute_units"])),
        hour_units=frozenset(_strings("durations.hour_units", durations["hour_units"])),
        numbers={str(k).lower(): float(v) for k, v in numbers.items()},
        tier_actions=actions,
        texts={str(k): str(v) for k, v in data.get("texts", {}).items()},
    )


class WarningDetector:
    def __init__(
        self, spec: WarningSpec, fold: Callable[[str], str], known_words: Iterable[str] = ()
    ) -> None:
        """`fold` folds a word's ending ("swelling" -> "swell"), the same way for the
        content's words and the message's; `known_words` are never corrected to a concept
        word (the rest of the bot's vocabulary)."""
        self.spec = spec
        self._fold = fold
        self._sign_order = {s.id: (TIERS.index(s.tier), i) for i, s in enumerate(spec.signs)}
        # word -> concepts; first word -> [(phrase words, concept)]
        self._words: dict[str, set[str]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        vocabulary: set[str] = set()
        for concept, texts in spec.concepts.items():
            for entry in texts:
                raw = [w for c in clauses(entry) for w in c]
                words = tuple(self._fold(w) for w in raw)
                if not words:
                    continue
                # Both forms: a typo is often closer to the whole word ("tinglng" ~ "tingling").
                vocabulary.update(w for w in (*raw, *words) if not w.isdigit())
                if len(words) == 1:
                    self._words.setdefault(words[0], set()).add(concept)
                else:
                    self._phrases.setdefault(words[0], []).append((words, concept))
        for starting in self._phrases.values():
            starting.sort(key=lambda e: -len(e[0]))
        self._units = {self._fold(u) for u in spec.minute_units} | {
            self._fold(u) for u in spec.hour_units
        }
        self._hour_units = {self._fold(u) for u in spec.hour_units}
        special = set(spec.negations) | set(spec.boundaries) | set(spec.numbers) | self._units
        known = set(known_words) | special
        self._speller = Speller(vocabulary, known - vocabulary)
        self.vocabulary = frozenset(vocabulary)

    def _word(self, word: str) -> str:
        folded = self._fold(word)
        if folded in self._words or folded in self._phrases or self._speller.known(word):
            return folded
        corrected = self._speller.correct(word) or self._speller.correct(folded)
        return self._fold(corrected) if corrected else folded

    def concepts(self, text: str) -> set[str]:
        """The concepts the message mentions and does not deny."""
        present: set[str] = set()
        for clause in clauses(text):
            words = [self._word(w) for w in clause]
            if self._long_duration(words):
                present.add(LONG_DURATION)
            negated_from = -1  # words from this index on are under a negation
            skip_to = 0
            for i, word in enumerate(words):
                if i < skip_to:
                    continue
                if word in self.spec.boundaries:
                    negated_from = -1
                found: list[str] = list(self._words.get(word, ()))
                for phrase, concept in self._phrases.get(word, ()):
                    if tuple(words[i : i + len(phrase)]) == phrase:
                        found.append(concept)
                ignored = [p for p, c in self._phrases.get(word, ()) if c == IGNORE]
                if ignored and tuple(words[i : i + len(ignored[0])]) == ignored[0]:
                    skip_to = i + len(ignored[0])
                    continue
                if IGNORE in self._words.get(word, ()):
                    continue
                negated = negated_from >= 0 and i - negated_from <= self.spec.window
                for concept in found:
                    if not negated or concept in self.spec.context:
                        present.add(concept)
                if word in self.spec.negations and not found:
                    negated_from = i
        return present

    def _long_duration(self, words: list[str]) -> bool:
        """A number with a time unit above the limit: "25 minutes", "20min", "an hour"."""
        limit = self.spec.long_minutes
        for i, word in enumerate(words):
            value: float | None = None
            unit = words[i + 1] if i + 1 < len(words) else ""
            attached = _NUMBER_UNIT.match(word)
            if attached and attached.group(2) in self._units:
                value, unit = float(attached.group(1).replace(",", ".")), attached.group(2)
            elif _NUMBER.match(word):
                value = float(word.replace(",", "."))
            elif (span := _RANGE.match(word)) is not None:  # "20-30"
                value = float(span.group(2))
            elif word in self.spec.numbers:
                value = self.spec.numbers[word]
                if unit in self.spec.numbers and i + 2 < len(words):  # "a few hours"
                    unit = words[i + 2]
            if value is None or unit not in self._units:
                continue
            minutes = value * 60 if unit in self._hour_units else value
            if minutes > limit:
                return True
        return False

    def detect(self, text: str) -> tuple[Warning, ...]:
        """Every sign the message mentions, most urgent first (empty: none)."""
        present = self.concepts(text)
        if not present:
            return ()
        found = [
            Warning(sign.id, sign.tier)
            for sign in self.spec.signs
            if any(all(c in present for c in line) for line in sign.when)
        ]
        found.sort(key=lambda w: self._sign_order[w.sign])
        return tuple(found)
