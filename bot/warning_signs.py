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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.language import HAN_RUN as _HAN_RUN
from bot.language import Analyzer
from bot.spelling import Speller, clauses, remembered

TIERS = ("emergency", "today", "soon")  # most urgent first
IGNORE = "ignore"  # the concept of phrases that only look like a sign ("once in a blue moon")
# Concepts the number reader adds: over the duration limit, weeks or more, many times.
LONG_DURATION = "long_duration"
LONG_PERIOD = "long_period"
MANY_TIMES = "many_times"
RECENT_SPAN = "recent_span"  # weeks, not years: "been on it 3 weeks"
RECENT_WEEKS = 12
_GESTATION = "_gestation"  # weeks that may be a pregnancy's: a long period unless pregnant
# Concepts an activity before them takes over ("danced all night", "I run every day").
HOW_LONG_OR_OFTEN = frozenset({LONG_DURATION, "lasting", "frequent", LONG_PERIOD, MANY_TIMES})
# A clock time after "since": "since 4am", "since 6:40".
_SINCE_CLOCK = re.compile(r"^\d{1,2}([:.]\d{2})?(am|pm)?$")
# Read in full (phrases, negation, numbers); past this, a long message is read word by word.
FULL_CHARS = 1000
_STRIP = ".,;:!?()[]\"“”‘’'*-–—…/\\<>😀😭😫😣🙏，。！？；：、"
_CRAMPISH = frozenset({"cramp", "pain"})
_LOOK_BACK = 3  # words an activity may stand before its duration ("sat cross legged for")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(am|pm)?$")


def _clock(word: str) -> int | None:
    """Minutes after midnight of a clock time written "2am", "6:40" or "10.15pm"."""
    match = _CLOCK.match(word)
    if match is None or (match.group(2) is None and match.group(3) is None):
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59 or (match.group(3) and not 1 <= hour <= 12):
        return None
    if match.group(3) == "pm" and hour != 12:
        hour += 12
    elif match.group(3) == "am" and hour == 12:
        hour = 0
    return hour * 60 + minute


_DOUBLED = re.compile(r"(.)\1+")
_NUMBER_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?)([a-z]+)$")  # "20min", "2hrs"
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_RANGE = re.compile(r"^(\d+)\D+(\d+)$")


@dataclass(frozen=True)
class SignDef:
    id: str
    tier: str
    # Any one tuple fires the sign; each needs all its concepts, and none of those written
    # "!concept" ("leg + trigger + pain + !long_ago": not an operation years ago).
    when: tuple[tuple[str, ...], ...]
    mention: str
    advice: str
    related: tuple[str, ...]


# The small words of a language the number and negation readers need, from `[grammar]`.
GRAMMAR_WORDS = {
    "fillers": "between a number and its unit: 'a couple of hours'",
    "lead_ins": "between an activity and its duration: 'sitting for about 2 hours'",
    "not_a_span": "after a period, make it something else: '6 months pregnant', '3 weeks ago'",
    "more_than": "before a number, make it more: 'more than ten minutes'",
    "since": "'since', before a time: 'since 4am', 'since lunch'",
    "since_times": "times of day after 'since': 'lunch', 'breakfast', 'yesterday'",
    "list_joiners": "keep a denied list denied: 'no swelling or redness'",
    "colour_nouns": "after a colour word, keep it about the skin: 'blue patches'",
    "adverbs": "after '20 minute', leave it a duration: '20 minute now'",
    "singular_units": "units that describe the next word: 'a 5 hour hike'",
    "still": "'still': 'still cramping after 15 min'",
    "every": "before a number, make it a frequency: 'once every few months'",
    "after": "'after': 'after 5 hours of tennis'",
    "after_links": "between 'after N hours' and an activity: 'of', 'on', 'at', 'in'",
    "then": "'then' after a duration: '2 hours then it stopped'",
    "of": "'of' after a duration: '2 hours of football'",
    "long": "'long' after a unit: 'an hour long walk'",
    "hour_marks": "after a bare number, make it a clock hour (minutes may follow): '3点20'",
    "ages": "one or two words before a number that make it an age: 'mi hijo de 8 años'",
    "span_leads": "before a number of weeks, keep it the cramps' beside a pregnancy: 'for'",
    "hour_leads": "one or two words before a bare hour that make it a clock time: 'a las 3'",
    "clock_after": "if listed, a led hour is a clock time only before one of these: 'в 3 ночи'",
    "minutes_past": "between a clock hour and its minutes: 'las 3 y 20', 'las 3 y media'",
    "minutes_to": "between a clock hour and the minutes before it: 'las 4 menos cuarto'",
    "half": "half an hour after 'minutes_past' or 'minutes_to': 'las 3 y media'",
    "quarter": "a quarter of an hour after 'minutes_past' or 'minutes_to': 'las 3 y cuarto'",
}


@dataclass(frozen=True)
class Grammar:
    """Per language: the small words of `GRAMMAR_WORDS`, and symbols read as words ('>')."""

    words: Mapping[str, frozenset[str]]
    symbols: Mapping[str, str]

    def __getitem__(self, name: str) -> frozenset[str]:
        return self.words.get(name, frozenset())


@dataclass(frozen=True)
class WarningSpec:
    concepts: Mapping[str, tuple[str, ...]]
    signs: tuple[SignDef, ...]
    negations: frozenset[str]
    boundaries: frozenset[str]
    context: frozenset[str]
    window: int
    phrase_gap: int
    no_gap_after: frozenset[str]
    rewrites: Mapping[str, str]
    activities: frozenset[str]
    pseudo_negations: frozenset[str]
    colour_concepts: frozenset[str]
    copulas: frozenset[str]
    aliases: Mapping[str, str]
    long_minutes: float
    minute_units: frozenset[str]
    hour_units: frozenset[str]
    period_units: frozenset[str]
    count_units: frozenset[str]
    many_times: float
    numbers: Mapping[str, float]
    tier_actions: Mapping[str, str]
    texts: Mapping[str, str]
    grammar: Grammar = Grammar({}, {})
    # Words that deny the sign before them ("отёка нет": no swelling).
    post_negations: frozenset[str] = frozenset()
    # A concept word whose stem is this short or shorter matches only as written.
    short_stem: int = 0
    week_units: frozenset[str] = frozenset()
    month_units: frozenset[str] = frozenset()


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
    known = set(concepts) | {LONG_DURATION, LONG_PERIOD, MANY_TIMES, RECENT_SPAN}
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
            unknown = [name for name in names if name.lstrip("!") not in known]
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
    raw_grammar = data.get("grammar", {})
    unknown_words = set(raw_grammar) - set(GRAMMAR_WORDS) - {"symbols"}
    if unknown_words:
        raise ValueError(f"grammar.{sorted(unknown_words)[0]}: is not a grammar word list")
    grammar = Grammar(
        {
            name: frozenset(_strings(f"grammar.{name}", raw_grammar[name]))
            for name in GRAMMAR_WORDS
            if raw_grammar.get(name)
        },
        {str(k): f" {v} " for k, v in raw_grammar.get("symbols", {}).items()},
    )
    return WarningSpec(
        concepts=concepts,
        signs=tuple(signs),
        negations=frozenset(_strings("matching.negations", matching.get("negations", []))),
        boundaries=frozenset(_strings("matching.boundaries", matching.get("boundaries", []))),
        context=frozenset(matching.get("context", [])),
        window=int(matching.get("negation_window", 3)),
        phrase_gap=int(matching.get("phrase_gap", 1)),
        no_gap_after=frozenset(_strings("matching.no_gap_after", matching.get("no_gap_after", []))),
        rewrites={str(k).lower(): str(v).lower() for k, v in data.get("rewrites", {}).items()},
        activities=frozenset(_strings("matching.activities", matching.get("activities", []))),
        colour_concepts=frozenset(matching.get("colour_concepts", [])),
        copulas=frozenset(_strings("matching.copulas", matching.get("copulas", []))),
        pseudo_negations=frozenset(
            _strings("matching.pseudo_negations", matching.get("pseudo_negations", []))
        ),
        aliases={str(k).lower(): str(v).lower() for k, v in data.get("aliases", {}).items()},
        long_minutes=float(durations.get("long_minutes", 10)),
        minute_units=frozenset(_strings("durations.minute_units", durations["minute_units"])),
        hour_units=frozenset(_strings("durations.hour_units", durations["hour_units"])),
        period_units=frozenset(_strings("durations.period_units", durations["period_units"])),
        count_units=frozenset(_strings("durations.count_units", durations["count_units"])),
        many_times=float(durations.get("many_times", 3)),
        numbers={str(k).lower(): float(v) for k, v in numbers.items()},
        tier_actions=actions,
        texts={str(k): str(v) for k, v in data.get("texts", {}).items()},
        grammar=grammar,
        short_stem=int(matching.get("short_stem", 0)),
        post_negations=frozenset(
            _strings("matching.post_negations", matching.get("post_negations", []))
        ),
        week_units=frozenset(
            _strings("durations.week_units", durations.get("week_units", []) or [])
        ),
        month_units=frozenset(
            _strings("durations.month_units", durations.get("month_units", []) or [])
        ),
    )


def _trie_pattern(keys: Iterable[str]) -> str:
    """A regular expression matching any of `keys`, the longest one first where several match,
    as `k1|k2|...` sorted longest first does, but written as a trie ("не (?:могу|может)"): the
    regex engine tries every alternative of a flat list at every word, and Russian has over a
    thousand rewrites, so a flat list made reading a message slow."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}  # a key ends here

    def branch(node: dict[str, Any]) -> str:
        alternatives = [re.escape(c) + branch(child) for c, child in sorted(node.items()) if c]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        # Where a key ends, a longer key may go on: greedy, so the longest is tried first and
        # the regex engine falls back to the shorter one if the rest does not match.
        return f"(?:{body})?" if "" in node else body

    return branch(trie)


_Phrase = tuple[tuple[str, ...], str]  # a phrase's folded words, and its concept


def _by_second_word(entries: Iterable[_Phrase]) -> dict[str, list[_Phrase]]:
    """Phrases of one first word by their second word, each list in the order given."""
    index: dict[str, list[_Phrase]] = {}
    for entry in entries:
        index.setdefault(entry[0][1], []).append(entry)
    return index


def _fires(line: tuple[str, ...], present: set[str]) -> bool:
    return all((c[1:] not in present) if c.startswith("!") else (c in present) for c in line)


def _in_order(words: list[str], start: int, phrase: tuple[str, ...], gap: int) -> bool:
    """The phrase's words from `start` on, in order, with at most `gap` other words in all
    between them ("cant really feel", "chest feels very tight")."""
    at = start
    spare = gap
    for part in phrase[1:]:
        at += 1
        while at < len(words) and words[at] != part and spare > 0:
            at += 1
            spare -= 1
        if at >= len(words) or words[at] != part:
            return False
    return True


class WarningDetector:
    def __init__(
        self,
        spec: WarningSpec,
        known_words: Iterable[str] = (),
        analyzer: Analyzer | None = None,
    ) -> None:
        """`known_words` are words never corrected to a concept word; `analyzer`: the
        language's words and stems (English if None). A concept entry written "=word" matches
        that word as written only, for a word whose stem is another word ("=nightly": not
        "night")."""
        self.spec = spec
        self._analyzer = analyzer or Analyzer("en")
        grammar = spec.grammar
        # As written and stemmed: some are compared with the words as written, some stemmed.
        self._g = {
            name: grammar[name] | {self._analyzer.stem(w) for w in grammar[name]}
            for name in GRAMMAR_WORDS
        }
        self._sign_order = {s.id: (TIERS.index(s.tier), i) for i, s in enumerate(spec.signs)}
        # word -> concepts; first word -> [(phrase words, concept)]
        self._words: dict[str, set[str]] = {}
        self._phrases: dict[str, list[_Phrase]] = {}
        vocabulary: set[str] = set()
        self._exact: dict[str, set[str]] = {}
        # Chinese has no spaces: a message is cut into the words this file uses, longest first.
        self._segments = frozenset(
            w.lstrip("=")
            for entries in (
                *spec.concepts.values(), spec.negations, spec.boundaries, spec.pseudo_negations,
                spec.copulas, spec.no_gap_after, spec.activities, spec.minute_units,
                spec.hour_units, spec.period_units, spec.count_units, spec.numbers,
                spec.rewrites.values(), spec.aliases.values(), *spec.grammar.words.values(),
            )
            for entry in entries
            for w in entry.split()
        )  # fmt: skip
        self._segment_sizes = Analyzer.segment_sizes(self._segments)
        edge = "" if self._analyzer.unspaced else r"\b"  # Chinese has no word boundaries
        # In Chinese, other spellings (traditional characters) are read inside words too.
        self._rewrites = dict(spec.rewrites)
        if self._analyzer.unspaced:
            self._rewrites |= {k: v for k, v in spec.aliases.items() if k not in spec.rewrites}
        self._rewrite = (
            re.compile(edge + "(?:" + _trie_pattern(self._rewrites) + ")" + edge)
            if self._rewrites
            else None
        )
        for concept, texts in spec.concepts.items():
            for entry in texts:
                if entry.startswith("="):  # as written only: "=nightly" is not "night"
                    self._exact.setdefault(entry[1:], set()).add(concept)
                    vocabulary.add(entry[1:])
                    continue
                raw = [w for c in self._clauses(self._rewritten(entry)) for w in c]
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
        # Phrases that only look like a sign, and the others, by first and then second word
        # (each list in the order above): a phrase can only be in order from word i if its
        # second word is among the next few words, so only those phrases are tried.
        self._ignored_by_second = {
            first: _by_second_word(ignored)
            for first, entries in self._phrases.items()
            if (ignored := [e for e in entries if e[1] == IGNORE])
        }
        for first in self._phrases:
            self._phrases[first] = [(p, c) for p, c in self._phrases[first] if c != IGNORE]
        self._by_second = {
            first: _by_second_word(entries) for first, entries in self._phrases.items() if entries
        }
        self._word_cache: dict[str, str] = {}
        self._tail_cache: dict[str, frozenset[str]] = {}
        self._folded_forms = frozenset(self._words) | {w for p in self._phrases for w in p}
        self._folded_forms |= {w for e in self._phrases.values() for p, _ in e for w in p}
        self._starts = (
            frozenset(self._words) | frozenset(self._phrases) | frozenset(self._ignored_by_second)
        )
        controls = spec.negations | spec.boundaries | self._g["list_joiners"] | spec.post_negations
        self._controls = controls | {k for k, v in spec.aliases.items() if v in controls}
        # Each sign's lines as (concepts needed, concepts that rule it out).
        self._rules = [
            (
                sign.id,
                sign.tier,
                [
                    (
                        frozenset(c for c in line if not c.startswith("!")),
                        frozenset(c[1:] for c in line if c.startswith("!")),
                    )
                    for line in sign.when
                ],
            )
            for sign in spec.signs
        ]
        self._minute_units = self._forms(spec.minute_units)
        self._hour_units = self._forms(spec.hour_units)
        self._period_units = self._forms(spec.period_units)
        self._count_units = self._forms(spec.count_units)
        self._week_units = self._forms(spec.week_units)
        # Number words as written and folded ("forty" and "forti" alike).
        self._numbers = {**{self._fold(k): v for k, v in spec.numbers.items()}, **spec.numbers}
        self._month_units = self._forms(spec.month_units)
        self._quantity_starts = frozenset(self._numbers) | self._g["since"] | self._minute_units
        self._all_units = (
            self._minute_units | self._hour_units | self._period_units | self._count_units
        )
        special = set(spec.negations) | set(spec.boundaries)
        # Number words and units are corrected to, like concept words ("foty", "minuts").
        vocabulary |= {w for w in spec.numbers if len(w) > 3} | self._all_units
        known = set(known_words) | special
        self._speller = Speller(vocabulary, known - vocabulary)
        self.vocabulary = frozenset(vocabulary)
        self._activities = {self._fold(w) for w in spec.activities} | set(spec.activities)
        self._medicines = {w for w, cs in self._words.items() if "medicine" in cs}

    def _rewritten(self, text: str) -> str:
        """The text with `[rewrites]` applied ("не могу" -> "немогу"), as messages are read."""
        if self._rewrite is None:
            return text
        return self._rewrite.sub(lambda m: self._rewrites[m.group(0)], text.lower())

    def _forms(self, words: Iterable[str]) -> set[str]:
        """Words as written and stemmed ("mins" and "min")."""
        return {f for w in words for f in (w, self._fold(w))}

    def _fold(self, word: str) -> str:
        """The word's stem ("swelling" -> "swell"), for the content's words and the message's
        alike. A stem of `short_stem` letters or fewer is shared by too many words ("parar" ->
        "par", as in "para"): such a word stays as written."""
        stem = self._analyzer.stem(word)
        return word if len(stem) <= self.spec.short_stem < len(word) else stem

    def _clauses(self, text: str) -> list[list[str]]:
        """Clauses of words (Chinese: of characters), folded the language's way."""
        found = clauses(self._analyzer.fold(text), self.spec.grammar.symbols)
        if not self._analyzer.unspaced:
            return found
        return [[w for token in c for w in self._segment(token)] for c in found]

    def _segment(self, token: str) -> list[str]:
        """A token of Chinese text as the words of this file (others as single characters)."""
        if _HAN_RUN.fullmatch(token):  # the usual case, without splitting it into parts first
            return self._analyzer.segment(token, self._segments, self._segment_sizes)
        out: list[str] = []
        for part in self._analyzer.split(token, ngrams=False, runs=True):
            if _HAN_RUN.fullmatch(part):
                out += self._analyzer.segment(part, self._segments, self._segment_sizes)
            else:
                out.append(part)
        return out

    def _word(self, word: str) -> str:
        """The word folded, typo-corrected and read as its alias, remembered."""
        return remembered(self._word_cache, word, self._read_word)

    def _read_word(self, word: str) -> str:
        word = self.spec.aliases.get(word, word)
        if any(c.isdigit() for c in word) or word in self._exact:
            return word
        if word in self._folded_forms:  # already a form the content uses ("breathles")
            return word
        folded = self._fold(word)
        if folded in self._words or folded in self._phrases or self._speller.known(word):
            return folded
        if self._analyzer.unspaced:  # letters-based typo correction means nothing here
            return folded
        single = _DOUBLED.sub(r"\1", word)  # "legg", "minnutes": a doubled letter
        if single != word and (self._fold(single) in self._words or self._speller.known(single)):
            return self._fold(single)
        corrected = self._speller.correct(word) or self._speller.correct(folded)
        if corrected is None:
            return folded
        if corrected in self._exact:
            return corrected
        # The vocabulary holds whole and folded forms: fold only a whole one.
        return corrected if corrected in self._folded_forms else self._fold(corrected)

    def rewritten(self, text: str) -> str:
        """The text with `[rewrites]` applied, as the detector reads it ("is not" -> "isnt",
        "no pain in my chest" -> "no chest pain"), lower case."""
        return self._rewritten(text.lower())

    def negates(self, word: str, following: str | None) -> bool:
        """Whether a message's word (as written) is a negation the detector reads as one: its
        alias counts ("nt" -> "not"), and not before a pseudo-negation ("not sure")."""
        said = self.spec.aliases.get(word, word)
        return said in self.spec.negations and following not in self.spec.pseudo_negations

    def ends_denial(self, word: str) -> bool:
        """Whether a message's word (as written) ends a negation's reach ("but")."""
        return self.spec.aliases.get(word, word) in self.spec.boundaries

    def _tail_concepts(self, word: str) -> frozenset[str]:
        """The concepts a word past the part read in full stands for (the tail of `detect`)."""
        found = self._words.get(self._word(word.replace("'", "")), set())
        return frozenset(found) | self._exact.get(word, set())

    def denied_sign(self, word: str) -> bool:
        """Whether a message's word, right after a negation, is a sign the negation denies
        ("chest" in "no chest pain"); context words ("calf", "pain") are never denied."""
        concepts = self._words.get(self._word(word))
        return concepts is not None and not concepts <= self.spec.context

    def concepts(self, text: str) -> set[str]:
        """The concepts the message mentions and does not deny."""
        present: set[str] = set()
        gap = self.spec.phrase_gap
        times: list[tuple[int, bool]] = []
        cache = self._word_cache
        for clause in self._clauses(text):
            # Most words were read before: the cache is looked up here, without two calls.
            words = [cache[w] if w in cache else self._word(w) for w in clause]
            times += self._clock_times(clause)
            present |= self._quantities(words, clause)
            negated_from = -1  # words from this index on are under a negation
            clause_found: list[tuple[int, str]] = []
            denied_at: list[int] = []
            skip_to = 0
            # Only words that can start a concept, deny one or end a denial need a look.
            for i in [
                i
                for i, word in enumerate(words)
                if word in self._starts or clause[i] in self._controls or word in self._exact
            ]:
                word = words[i]
                if i < skip_to:
                    continue
                singles = self._words.get(word)
                if word in self._exact:
                    singles = (singles or set()) | self._exact[word]
                by_second = self._by_second.get(word)
                phrase_here = by_second is not None and not by_second.keys().isdisjoint(
                    words[i + 1 : i + 2 + gap]
                )
                following = words[i + 1] if i + 1 < len(words) else ""
                if (
                    not phrase_here
                    and (singles is None or singles <= present)
                    and clause[i] not in self._controls
                    # a phrase that only looks like a sign starts with these two words
                    and following not in self._ignored_by_second.get(word, ())
                ):
                    continue  # nothing here that is not known already
                said = self.spec.aliases.get(clause[i], clause[i])  # as written, not folded
                if said in self.spec.boundaries:
                    negated_from = -1
                elif (
                    said in self._g["list_joiners"] and negated_from >= 0 and i - negated_from <= 3
                ):
                    negated_from = i  # "no swelling or redness or heat": the list stays denied
                looks_like = self._ignored_by_second.get(word, {}).get(following, ())
                ignored = next((p for p, _ in looks_like if _in_order(words, i, p, 0)), None)
                if ignored is not None:
                    skip_to = i + len(ignored)
                    continue
                if singles is not None and IGNORE in singles:
                    continue
                found: list[str] = list(singles or ())
                # Phrases starting here, only when the next words hold a second word of one.
                if phrase_here:
                    allowed = 0 if said in self.spec.no_gap_after else gap
                    found += self._phrases_at(words, i, allowed)
                colour = singles and not self.spec.colour_concepts.isdisjoint(singles)
                if colour and not self._describes_leg(words, clause, i):
                    found = [c for c in found if c not in self.spec.colour_concepts]
                timed = found and not HOW_LONG_OR_OFTEN.isdisjoint(found)
                if timed and self._activity_before(clause, i):  # "danced all night"
                    found = [c for c in found if c not in HOW_LONG_OR_OFTEN]
                negated = negated_from >= 0 and i - negated_from <= self.spec.window
                for concept in found:
                    if not negated or concept in self.spec.context:
                        clause_found.append((i, concept))
                pseudo = i + 1 < len(words) and clause[i + 1] in self.spec.pseudo_negations
                if said in self.spec.negations and not found and not pseudo:
                    negated_from = i
                if said in self.spec.post_negations and not found:
                    denied_at.append(i)
            # A denial after the sign, in languages that put it there ("отёка нет").
            for j, concept in clause_found:
                window = self.spec.window
                if concept in self.spec.context or not any(0 < d - j <= window for d in denied_at):
                    present.add(concept)
        # Weeks beside "pregnant" are the pregnancy's ("30 weeks pregnant, cramps at night").
        if _GESTATION in present:
            present.discard(_GESTATION)
            if "pregnancy" not in present:
                present.add(LONG_PERIOD)
        # Two clock times: "it cramped at 2am and it's 2:35".
        if len(times) >= 2 and self._far_apart(times[0], times[-1]):
            present.add(LONG_DURATION)
        return present

    def _led_clock_span(self, folded: str) -> bool:
        """Two clock times far apart in the text as written, before `[rewrites]` (which may
        read "в 3 ночи" as "посреди ночи"): only in languages with hour leads."""
        if not self._g["hour_leads"]:
            return False
        times = [t for clause in self._clauses(folded) for t in self._clock_times(clause)]
        return len(times) >= 2 and self._far_apart(times[0], times[-1])

    def _far_apart(self, first: tuple[int, bool], last: tuple[int, bool]) -> bool:
        """Whether two clock times are more than the duration limit apart: the later one up
        to 12 hours after the first; where either may be in the other half of the day ("a las
        11 ... son las 2", "at 3 ... 3:40"), the nearer way round a 12-hour dial."""
        if first[1] or last[1]:
            gap = (last[0] - first[0]) % 720
            return self.spec.long_minutes < min(gap, 720 - gap)
        return self.spec.long_minutes < (last[0] - first[0]) % 1440 <= 720

    def _phrases_at(self, words: list[str], i: int, allowed: int) -> list[str]:
        """The concepts of the phrases that start at word i, in order, with at most `allowed`
        other words between their words."""
        by_second = self._by_second[words[i]]
        found: list[str] = []
        # The second word of a phrase in order is one of the next `allowed + 1` words.
        for second in dict.fromkeys(words[i + 1 : i + 2 + allowed]):
            found += [c for p, c in by_second.get(second, ()) if _in_order(words, i, p, allowed)]
        return found

    def _number(self, words: list[str], i: int) -> tuple[float | None, int, str | None]:
        """The number starting at word i, the index after it, and a unit written onto it
        ("20min"): "25", "20-30", "forty five", "a few", "a couple of", "half an"."""
        word = words[i]
        attached = _NUMBER_UNIT.match(word)
        if attached and attached.group(2) in self._all_units:
            return float(attached.group(1).replace(",", ".")), i + 1, attached.group(2)
        if _NUMBER.match(word):
            return float(word.replace(",", ".")), i + 1, None
        if (span := _RANGE.match(word)) is not None:  # "20-30": the upper end
            return float(span.group(2)), i + 1, None
        numbers = self._numbers
        if word not in numbers:
            return None, i, None
        value, j = numbers[word], i + 1
        while j < len(words) and words[j] in numbers:
            nxt = numbers[words[j]]
            if value >= 20 and value % 10 == 0 and nxt < 10:  # "forty five"
                value += nxt
            elif value == 1:  # "a few", "a couple"
                value = nxt
            elif value < 1 and nxt == 1:  # "half an"
                pass
            else:
                break
            j += 1
        return value, j, None

    def _clock_times(self, clause: list[str]) -> list[tuple[int, bool]]:
        """Each clock time in the clause, as minutes after midnight and whether it may be
        either half of the day (no am/pm, an hour up to 12): "2am", "6:40", a bare hour before
        one of the language's hour marks ("11点", "11点25": 11:25), and a bare hour (digits or
        a number word) after one of its hour leads ("a las 3", "son las 3 y media", "в 3 ночи",
        "сейчас 4")."""
        times = []
        marks = self._g["hour_marks"]
        for i, word in enumerate(clause):
            led = self._led_hour(clause, i)
            if led is not None:
                times.append(led)
                continue
            if not word[:1].isdigit():  # any other clock time starts with a digit
                continue
            time = _clock(word)
            marked = i + 1 < len(clause) and clause[i + 1] in marks
            if time is None and marked and word.isdigit() and int(word) <= 23:
                after = clause[i + 2] if i + 2 < len(clause) else ""
                minute = int(after) if after.isdigit() and int(after) <= 59 else 0
                time = int(word) * 60 + minute
            if time is not None:
                pm_or_am = word[-2:] in ("am", "pm")
                times.append((time, not pm_or_am and time < 13 * 60))
        return times

    def _led_hour(self, clause: list[str], i: int) -> tuple[int, bool] | None:
        """The clock time of a bare hour at word i that one of the language's hour leads
        stands before ("a las 3", "son las tres y cuarto", "в 3 ночи"), else None."""
        if not self._led_by(clause, i, "hour_leads"):
            return None
        word = clause[i]
        hour = float(word) if word.isdecimal() else self._numbers.get(word)
        if hour is None or hour != int(hour) or not 0 <= hour <= 23:
            return None
        after = clause[i + 1] if i + 1 < len(clause) else ""
        if self._g["clock_after"] and after and after not in self._g["clock_after"]:
            return None  # "в 3 раза", "в 2 местах": not an hour
        minutes = 0.0
        if after in self._g["minutes_past"] | self._g["minutes_to"] and i + 2 < len(clause):
            said = clause[i + 2]
            if said in self._g["half"]:
                minutes = 30
            elif said in self._g["quarter"]:
                minutes = 15
            elif said.isdecimal() or said in self._numbers:
                value = float(said) if said.isdecimal() else self._numbers[said]
                minutes = value if 1 <= value <= 59 else 0
            if after in self._g["minutes_to"]:
                minutes = -minutes
        time = (int(hour) * 60 + int(minutes)) % 1440
        return time, hour <= 12

    def _since_time(self, raw: str, folded: str) -> bool:
        """A time after "since": a clock time or a time of day ("4am", "lunch")."""
        times = self._g["since_times"]
        return bool(_SINCE_CLOCK.match(raw)) or raw in times or folded in times

    def _led_by(self, raw: list[str], i: int, name: str) -> bool:
        """Whether one or two words of the grammar list `name` stand right before word i."""
        leads = self._g[name]
        if i == 0 or not leads:
            return False
        return raw[i - 1] in leads or (i >= 2 and f"{raw[i - 2]} {raw[i - 1]}" in leads)

    def _gestation(self, raw: list[str], i: int, value: float, unit: str) -> bool:
        """Whether a number of weeks (4 to 42) or months (up to 9) at word i may be how far
        a pregnancy has gone ("30 weeks", "de 20 semanas"): not after a word that makes it
        the cramps' ("for 5 weeks")."""
        if unit in self._week_units:
            weeks = value
        elif unit in self._month_units:
            weeks = value * 4.3
        else:
            return False
        if not 4 <= weeks <= 42:
            return False
        spans = self._g["span_leads"]
        return spans.isdisjoint(raw[max(0, i - 2) : i])

    def _medicine_owns(self, words: list[str], i: int) -> bool:
        """Whether the period at word i is how long a medicine has been taken: a medicine
        word stands before it in the clause with no cramp word between ("on the same statin
        for 10 years", "tomo pastillas para la tensión desde hace 5 años"); a period after the
        cramps ("cramps for 3 months, I take statins") stays the cramps'."""
        for word in reversed(words[:i]):
            if word in self._medicines:
                return True
            if not _CRAMPISH.isdisjoint(self._words.get(word, ())):
                return False
        return False

    def _describes_leg(self, words: list[str], raw: list[str], i: int) -> bool:
        """A colour word about the leg: after "is", "gone", "turned"..., before a body part, or
        ending the clause ("foot gone white", "a white foot", "toes blue"); not "a blue roller"."""
        aliases = self.spec.aliases
        before = {aliases.get(w, w) for w in raw[max(0, i - 3) : i]}
        if not before.isdisjoint(self.spec.copulas):
            return True
        if i + 1 >= len(words):
            return True
        if i > 0 and "leg" in self._words.get(words[i - 1], set()):  # "脚发白", "toes blue"
            return True
        after = aliases.get(raw[i + 1], raw[i + 1])
        next_concepts = self._words.get(words[i + 1], set())
        return (
            after in self.spec.copulas
            or after in self._g["colour_nouns"]
            or "leg" in next_concepts
            or not self.spec.colour_concepts.isdisjoint(next_concepts)
        )

    def _activity_before(self, raw: list[str], i: int) -> bool:
        """Whether the duration or frequency at word i belongs to an activity, not the cramp:
        "after 5 hours of tennis", "sat cross legged for hours", "I run every day", "on statins
        for years". Looks back over a few words, stopping at a cramp word."""
        seen = 0
        j = i - 1
        while j >= 0 and seen < _LOOK_BACK:
            word = raw[j]
            j -= 1
            if word in self._g["lead_ins"] or word.isdigit() or word in self.spec.numbers:
                continue
            if self._is_activity(word):
                return True
            if not _CRAMPISH.isdisjoint(self._words.get(self._word(word), ())):
                return False
            seen += 1
        return False

    def _is_activity(self, word: str) -> bool:
        """An activity or medicine word ("walking", "sat", "statins"), not a cramp word."""
        folded = self._fold(word)
        return word in self._activities or folded in self._activities or folded in self._medicines

    def _quantities(self, words: list[str], raw: list[str]) -> set[str]:
        """Concepts read from numbers with units: a long duration ("25 minutes", "an hour"),
        a long period ("3 weeks", "a few months") and many times ("4 nights", "5 times")."""
        found: set[str] = set()
        spec = self.spec
        # Only a number, a "since" or a minute unit can start a quantity.
        starts = self._quantity_starts
        for i in [i for i, word in enumerate(words) if word[:1].isdigit() or word in starts]:
            word = words[i]
            if word in self._minute_units and i + 1 < len(words) and words[i + 1].isdecimal():
                if float(words[i + 1]) > spec.long_minutes:  # "on minute 25 of this cramp"
                    found.add(LONG_DURATION)
                continue
            if (
                words[i] in self._g["since"]
                and i + 1 < len(words)
                and self._since_time(raw[i + 1], words[i + 1])
            ):
                if not self._activity_before(raw, i):  # "since 4am", "since lunchtime"
                    found.add(LONG_DURATION)
                continue
            value, j, unit = self._number(words, i)
            if value is None:
                continue
            if unit is None:
                while j < len(words) and words[j] in self._g["fillers"]:  # "a couple of hours"
                    j += 1
                unit = words[j] if j < len(words) else ""
            else:  # written onto the number ("20min"): the unit is word i itself
                j = i
            after = words[j + 1] if j + 1 < len(words) else ""
            every = i > 0 and raw[i - 1] in self._g["every"]  # "once every few months"
            # "a 5 hour hike", "a 30 minute walk": the unit describes something else.
            adjectival = (
                j < len(raw) and raw[j] in self._g["singular_units"] and after != ""
                and (value > 1 or after in self._g["long"])  # "an hour-long walk"
                and after not in self._g["adverbs"]
                and not _CRAMPISH & self._words.get(after, set())
            )  # fmt: skip
            if adjectival or every:
                continue
            if unit in self._minute_units or unit in self._hour_units:
                minutes = value * 60 if unit in self._hour_units else value
                if i > 0 and words[i - 1] in self._g["more_than"]:  # "more than ten minutes"
                    minutes += 1
                of_activity = (
                    after in self._g["then"]
                    or (
                        after in self._g["of"]
                        and j + 2 < len(words)
                        and not self._words.get(words[j + 2])
                    )
                    or (after != "" and self._is_activity(raw[j + 1]))  # "2 hours walking"
                    or (
                        i > 0 and raw[i - 1] in self._g["after"] and after in self._g["after_links"]
                    )
                )
                # "still cramping after 15 min of x", "stretching for 12 min and it's still tight"
                stills = self._g["still"]
                still = not stills.isdisjoint(raw[max(0, i - 4) : i]) or not stills.isdisjoint(
                    raw[j + 1 : j + 6]
                )
                # "still cramping after 10 minutes": ten and counting is over ten.
                if (minutes > spec.long_minutes or (still and minutes >= spec.long_minutes)) and (
                    still or not (of_activity or self._activity_before(raw, i))
                ):
                    found.add(LONG_DURATION)
            elif unit in self._period_units and value >= 1 and after not in self._g["not_a_span"]:
                if self._led_by(raw, i, "ages"):  # "mi hijo de 8 años": how old, not how long
                    continue
                if self._medicine_owns(words, i):  # "on the same statin for years"
                    pass
                elif self._gestation(raw, i, value, unit):
                    found.add(_GESTATION)  # a period, unless the message says "pregnant"
                else:
                    found.add(LONG_PERIOD)
                weeks = value * (4.3 if unit in self._month_units else 1)
                if unit in self._week_units | self._month_units and weeks <= RECENT_WEEKS:
                    found.add(RECENT_SPAN)  # "on Lipitor 3 weeks": a medicine started lately
            elif (
                unit in self._count_units
                and value >= spec.many_times
                and not self._medicine_owns(words, i)  # "3 pills a day"
            ):
                found.add(MANY_TIMES)
        return found

    def detect(self, text: str) -> tuple[Warning, ...]:
        """Every sign the message mentions, most urgent first (empty: none). The first
        FULL_CHARS characters are read in full; in the rest of a long message each word still
        counts, without phrases or negation (over-warning is the safe side)."""
        full = FULL_CHARS // 3 if self._analyzer.unspaced else FULL_CHARS  # a character ~ a word
        folded = self._analyzer.fold(text[:full])
        lowered = self._rewritten(folded)  # "can not" -> "cannot", whole words only
        present = self.concepts(lowered)
        # The rewrites may hide a clock hour ("в 3 ночи"): where they changed the text, its
        # clock times are read again as written.
        if LONG_DURATION not in present and lowered != folded and self._led_clock_span(folded):
            present.add(LONG_DURATION)
        if len(text) > full:
            rest = self._analyzer.fold(text[full:]).split()
            if self._analyzer.unspaced:
                tail = {w for t in set(rest) for w in self._segment(t.strip(_STRIP))}
            else:
                tail = {t.strip(_STRIP) for t in set(rest)}  # each word once
            cache = self._tail_cache
            for word in tail:
                if word:
                    concepts = cache.get(word)  # most words were read before: one look-up
                    if concepts is None:
                        concepts = remembered(cache, word, self._tail_concepts)
                    if concepts:
                        present |= concepts
            present.discard(IGNORE)
        if not present:
            return ()
        found = [
            Warning(sign_id, tier)
            for sign_id, tier, lines in self._rules
            if any(needs <= present and present.isdisjoint(excludes) for needs, excludes in lines)
        ]
        found.sort(key=lambda w: self._sign_order[w.sign])
        return tuple(found)
