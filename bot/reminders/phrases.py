"""One typed message -> a reminder request. Pure.

"remind me to stretch at 10:30pm", "swim reminder mon wed fri 7am 45 min before", "I swim
tuesdays and thursdays at 18:00", "remind me tomorrow at 7", "stop my swim reminder": each is
read into a `Request` whose missing parts stay None (never guessed), so the set-up asks for
exactly those. The words of each idea come from content (`[parser]` in reminders.toml), so a
language brings its own; typos are corrected against them (bot/spelling.py).

The message is cut into tokens; each reader takes the tokens it understands, in this order:
the lead time ("45 min before"), the days and dates ("mon-fri", "weekends", "tomorrow"), then
the time of day ("half past ten", "7am", "22:30"). What is left decides nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.content import Content
from bot.reminders.kinds import Family
from bot.spelling import Speller, dictionary_words
from bot.text_schema import uses

# The [parser] ideas this module reads; [parser.days] and [parser.numbers] are walked as data.
uses(
    __name__, "reminders.toml", "parser",
    """remind stop bedtime swim not_request before lead minutes hours half_hour daily weekdays
    weekends today tomorrow range every once next am pm noon midnight half quarter past to
    oclock at""",
)  # fmt: skip

ALL_DAYS = 127
WEEKDAYS = 0b0011111
WEEKENDS = 0b1100000
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Leads beyond this are not "before a swim" any more.
MAX_LEAD = 24 * 60


class Action(StrEnum):
    CREATE = "create"
    STOP = "stop"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Request:
    """What a message asked for. `days` is a Monday-first bitmask (None: not said);
    `at` is the reminder time for bedtime and the swim's start for a swim."""

    action: Action
    kind: Family | None = None
    at: tuple[int, int] | None = None
    days: int | None = None
    date: date | None = None
    lead: int | None = None

    @property
    def understood(self) -> bool:
        return self.action is not Action.UNKNOWN


UNKNOWN = Request(Action.UNKNOWN)


@dataclass(frozen=True)
class Vocabulary:
    """The [parser] words of one language, as token tuples."""

    words: Mapping[str, tuple[tuple[str, ...], ...]]
    days: Mapping[str, tuple[str, ...]]  # 'mon' -> its names
    numbers: Mapping[str, int]
    speller: Speller = field(compare=False, repr=False)
    # The words written without spaces (Chinese), and the longest one's length: a message's
    # run of such characters is cut into them (`split`).
    unspaced: frozenset[str] = frozenset()
    longest: int = 0

    @classmethod
    def build(
        cls,
        words: Mapping[str, Sequence[str]],
        days: Mapping[str, Sequence[str]],
        numbers: Mapping[str, int],
        language: str = "en",
    ) -> Vocabulary:
        phrases = {k: tuple(tuple(_tokens(p)) for p in v) for k, v in words.items()}
        vocabulary = {t for group in phrases.values() for p in group for t in p if t.isalpha()}
        vocabulary |= {n for names in days.values() for n in names if len(n) > 3}
        vocabulary |= set(numbers)
        # Real words are never "corrected" into a reminder word ("sweet" stays "sweet").
        known = dictionary_words(language) - vocabulary
        every = {t for group in phrases.values() for p in group for t in p}
        every |= {n for names in days.values() for n in names} | set(numbers)
        unspaced = frozenset(t for t in every if _UNSPACED.search(t))
        return cls(
            phrases,
            {k: tuple(v) for k, v in days.items()},
            dict(numbers),
            Speller(vocabulary, known),
            unspaced,
            max((len(t) for t in unspaced), default=0),
        )

    def split(self, tokens: list[str]) -> list[str]:
        """Cut each run of Chinese characters into this language's own words, longest first
        ("每天晚上", "提醒我"); a character no word starts with stands alone."""
        if not self.unspaced:
            return tokens
        out: list[str] = []
        for token in tokens:
            if not _UNSPACED.search(token) or token in self.unspaced:
                out.append(token)
                continue
            i = 0
            while i < len(token):
                size = min(self.longest, len(token) - i)
                while size > 1 and token[i : i + size] not in self.unspaced:
                    size -= 1
                out.append(token[i : i + size])
                i += size
        return out

    def has(self, idea: str, tokens: Sequence[str]) -> bool:
        return bool(_find(tokens, self.words.get(idea, ())))

    def day_of(self, token: str) -> int | None:
        for index, key in enumerate(DAY_KEYS):
            if token.rstrip(".") in self.days.get(key, ()):
                return index
        return None


# --- tokens -------------------------------------------------------------------------------

_SPELLING = str.maketrans({"’": "", "'": "", "–": "-", "—": "-", "−": "-"})
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}[:.h]\d{2})(?!\d)"  # 22:30, 22.30, 21h30
    r"|(?P<decimal>\d+\.\d)(?!\d)"  # 1.5 (hours)
    r"|(?P<number>\d+)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<symbol>[-/,&@+])"
)
# Han characters: a language written with them has no spaces between words.
_UNSPACED = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DOTTED = re.compile(r"\b([ap])\.\s?m\b\.?")


def _tokens(text: str) -> list[str]:
    text = _DOTTED.sub(r"\1m", text.lower().translate(_SPELLING))
    out = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        out.append(re.sub(r"[.h]", ":", token) if match.lastgroup == "time" else token)
    return out


def _find(tokens: Sequence[str], phrases: Sequence[tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of any phrase, longest phrases first."""
    spans: list[tuple[int, int]] = []
    for phrase in sorted(phrases, key=len, reverse=True):
        size = len(phrase)
        for i in range(len(tokens) - size + 1):
            if tuple(tokens[i : i + size]) == phrase and not _overlaps(spans, i, i + size):
                spans.append((i, i + size))
    return sorted(spans)


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in spans)


class _Tokens:
    """The message's tokens, with those a reader has taken marked as used."""

    def __init__(self, tokens: list[str]) -> None:
        self.items = tokens
        self.used = [False] * len(tokens)

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.items) and not self.used[i]

    def take(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = True

    def at(self, i: int) -> str:
        return self.items[i] if 0 <= i < len(self.items) else ""

    def spans(self, vocab: Vocabulary, idea: str) -> list[tuple[int, int]]:
        found = _find(self.items, vocab.words.get(idea, ()))
        return [(s, e) for s, e in found if all(self.free(i) for i in range(s, e))]


# --- numbers and durations ----------------------------------------------------------------


def _number(vocab: Vocabulary, tokens: _Tokens, i: int) -> tuple[float, int] | None:
    """(value, tokens used) for a number at i: '45', '1.5', 'ten', 'forty five', 'an'."""
    token = tokens.at(i)
    if token.isdigit():
        return float(token), 1
    if re.fullmatch(r"\d+\.\d", token):
        return float(token), 1
    if token in ("an", "a"):
        return 1.0, 1
    if token in vocab.numbers:
        joined = token + tokens.at(i + 1)
        if tokens.at(i + 1) and joined in vocab.numbers:
            return float(vocab.numbers[joined]), 2
        return float(vocab.numbers[token]), 1
    return None


def _duration(vocab: Vocabulary, tokens: _Tokens, i: int) -> tuple[int, int] | None:
    """(minutes, end) for a duration starting at i: '45 min', 'an hour', '1h30', '1.5 hours',
    'half an hour', '1 hour 30 minutes'."""
    for start, end in tokens.spans(vocab, "half_hour"):
        if start == i:
            return 30, end
    token = tokens.at(i)
    if re.fullmatch(r"\d{1,2}:\d{2}", token) and tokens.at(i + 1) in _flat(vocab, "before"):
        hours, minutes = token.split(":")
        return int(hours) * 60 + int(minutes), i + 1  # '1h30 before'
    number = _number(vocab, tokens, i)
    if number is None:
        return None
    value, size = number
    unit = tokens.at(i + size)
    if unit in _flat(vocab, "minutes"):
        return round(value), i + size + 1
    if unit not in _flat(vocab, "hours"):
        return None
    total, end = round(value * 60), i + size + 1
    extra = _number(vocab, tokens, end)
    if extra is not None and tokens.at(end + extra[1]) in _flat(vocab, "minutes"):
        return total + round(extra[0]), end + extra[1] + 1
    if extra is not None and tokens.at(end).isdigit() and len(tokens.at(end)) == 2:
        return total + round(extra[0]), end + 1  # '1 h 30'
    return total, end


def _flat(vocab: Vocabulary, idea: str) -> frozenset[str]:
    return frozenset(p[0] for p in vocab.words.get(idea, ()) if len(p) == 1)


def _read_lead(vocab: Vocabulary, tokens: _Tokens, swim: bool) -> int | None:
    """'45 min before', 'an hour early', 'lead 45', and for a swim a bare '30 min'."""
    before = [s for s, _ in tokens.spans(vocab, "before")]
    for i in range(len(tokens.items)):
        if not tokens.free(i):
            continue
        found = _duration(vocab, tokens, i)
        if found is None:
            continue
        minutes, end = found
        gap = [j for j in before if end <= j <= end + 3]
        meant = gap or swim or tokens.at(i - 1) in _flat(vocab, "lead")
        if meant and 0 < minutes <= MAX_LEAD and tokens.at(i - 1) != "in":
            tokens.take(i, (gap[0] + 1) if gap else end)
            return minutes
    for i in range(len(tokens.items)):
        if tokens.at(i) in _flat(vocab, "lead") and tokens.at(i + 1).isdigit():
            tokens.take(i, i + 2)
            return int(tokens.at(i + 1))
    return None


# --- days and dates -----------------------------------------------------------------------


@dataclass
class _Days:
    mask: int = 0
    recurring: bool = False
    once: date | None = None


def _read_day_words(vocab: Vocabulary, tokens: _Tokens, found: _Days) -> None:
    for idea, mask in (("daily", ALL_DAYS), ("weekdays", WEEKDAYS), ("weekends", WEEKENDS)):
        for start, end in tokens.spans(vocab, idea):
            found.mask |= mask
            found.recurring = True
            tokens.take(start, end)


def _day_at(vocab: Vocabulary, tokens: _Tokens, i: int) -> int | None:
    """The weekday named at i; two-letter forms ('tu', 'we') only beside another day or '/'."""
    token = tokens.at(i)
    day = vocab.day_of(token) if tokens.free(i) else None
    if day is None or len(token) > 2 or _UNSPACED.search(token):  # 周三 is no abbreviation
        return day
    beside = {tokens.at(i - 1), tokens.at(i + 1)}
    near_day = any(
        vocab.day_of(tokens.at(j)) is not None and len(tokens.at(j)) > 2 for j in (i - 2, i + 2)
    )
    return day if "/" in beside or near_day else None


def _read_weekdays(vocab: Vocabulary, tokens: _Tokens, found: _Days, today: date) -> None:
    named: list[tuple[int, int]] = []  # (token index, weekday)
    ranges = _flat(vocab, "range")
    for i in range(len(tokens.items)):
        day = _day_at(vocab, tokens, i)
        if day is None:
            continue
        if named and tokens.at(i - 1) in ranges and named[-1][0] == i - 2:
            first = named[-1][1]
            span = range(first, first + (day - first) % 7 + 1)
            found.mask |= sum(1 << (d % 7) for d in span)
            found.recurring = True
            tokens.take(i - 1, i + 1)
        else:
            found.mask |= 1 << day
            tokens.take(i, i + 1)
        named.append((i, day))
    if not named:
        return
    plural = any(tokens.at(i).endswith("s") and len(tokens.at(i)) > 5 for i, _ in named)
    every = any(tokens.at(i - 1) in _flat(vocab, "every") for i, _ in named)
    if len(named) > 1 or plural or every or found.recurring:
        found.recurring = True
        return
    index, day = named[0]
    if tokens.at(index - 1) in _flat(vocab, "once"):
        ahead = (day - today.weekday()) % 7
        if tokens.at(index - 1) in _flat(vocab, "next") and ahead == 0:
            ahead = 7
        found.once = today + timedelta(days=ahead)
        found.mask = 0
        tokens.take(index - 1, index)


def _read_dates(vocab: Vocabulary, tokens: _Tokens, found: _Days, today: date) -> None:
    for start, end in tokens.spans(vocab, "tomorrow"):
        found.once = today + timedelta(days=1)
        tokens.take(start, end)
    for start, end in tokens.spans(vocab, "today"):
        found.once = found.once or today
        tokens.take(start, end)


# --- time of day --------------------------------------------------------------------------


@dataclass
class _Clock:
    hour: int
    minute: int
    meridiem: str | None = None  # 'am' / 'pm' when the message says so


def _hour_word(vocab: Vocabulary, tokens: _Tokens, i: int) -> int | None:
    number = _number(vocab, tokens, i) if tokens.free(i) else None
    if number is None or number[1] != 1 or tokens.at(i) in ("a", "an"):
        return None
    value = number[0]
    return int(value) if value == int(value) and 0 <= value <= 24 else None


def _read_spoken(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    """'half past ten', 'quarter past 7', 'quarter to 8', 'ten thirty'."""
    past, to = _flat(vocab, "past"), _flat(vocab, "to")
    for idea, minutes in (("half", 30), ("quarter", 15)):
        for start, end in tokens.spans(vocab, idea):
            hour = _hour_word(vocab, tokens, end + 1)
            if hour is None:
                continue
            if tokens.at(end) in past:
                tokens.take(start, end + 2)
                return _Clock(hour, minutes)
            if tokens.at(end) in to and minutes == 15:
                tokens.take(start, end + 2)
                return _Clock((hour - 1) % 24, 45)
    for i, token in enumerate(tokens.items):
        if token in vocab.numbers and tokens.free(i) and vocab.numbers[token] <= 12:
            after = _number(vocab, tokens, i + 1)
            if after is not None and tokens.at(i + 1) in vocab.numbers and after[0] >= 10:
                tokens.take(i, i + 1 + after[1])
                return _Clock(vocab.numbers[token], int(after[0]))
    return None


def _read_digits(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    """'22:30', '7', '2215', '10 30 pm', '7 oclock' (a bare number needs 'at', a.m./p.m.
    or "o'clock" beside it)."""
    ats, oclock = _flat(vocab, "at"), set(vocab.words.get("oclock", ()))
    for i, token in enumerate(tokens.items):
        if not tokens.free(i):
            continue
        if re.fullmatch(r"\d{1,2}:\d{2}", token):
            hour, minute = (int(x) for x in token.split(":"))
            tokens.take(i, i + 1)
            return _Clock(hour, minute)
        if not token.isdigit():
            continue
        marked = _meridiem_after(vocab, tokens, i + 1) is not None
        told = tokens.at(i - 1) in ats or marked or tuple(tokens.items[i + 1 : i + 3]) in oclock
        if len(token) in (3, 4) and (told or len(token) == 4):
            tokens.take(i, i + 1)
            return _Clock(int(token[:-2]), int(token[-2:]))
        if len(token) <= 2 and (told or (_hour_word(vocab, tokens, i) is not None and marked)):
            tokens.take(i, i + 1)
            following = tokens.at(i + 1)
            if following.isdigit() and len(following) == 2 and tokens.free(i + 1):
                tokens.take(i + 1, i + 2)
                return _Clock(int(token), int(following))
            return _Clock(int(token), 0)
    return None


def _meridiem_after(vocab: Vocabulary, tokens: _Tokens, i: int) -> str | None:
    token = tokens.at(i)
    if token in _flat(vocab, "am") and len(token) <= 2:
        return "am"
    if token in _flat(vocab, "pm") and len(token) <= 2:
        return "pm"
    return None


def _read_named(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    for idea, hour in (("noon", 12), ("midnight", 0)):
        for start, end in tokens.spans(vocab, idea):
            tokens.take(start, end)
            return _Clock(hour, 0, "fixed")
    return None


def _read_words_hour(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    """'at ten', 'ten pm', 'nine in the evening'."""
    ats = _flat(vocab, "at")
    for i, token in enumerate(tokens.items):
        if token in vocab.numbers and tokens.free(i) and vocab.numbers[token] <= 12:
            meridiem = _meridiem_after(vocab, tokens, i + 1)
            if tokens.at(i - 1) in ats or meridiem is not None:
                tokens.take(i, i + 1)
                return _Clock(vocab.numbers[token], 0)
    return None


def _read_clock(
    vocab: Vocabulary, tokens: _Tokens, family: Family | None
) -> tuple[int, int] | None:
    clock = (
        _read_named(vocab, tokens)
        or _read_spoken(vocab, tokens)
        or _read_digits(vocab, tokens)
        or _read_words_hour(vocab, tokens)
    )
    if clock is None:
        return None
    if clock.meridiem != "fixed":
        clock.meridiem = _meridiem(vocab, tokens)
    return _settle(clock, family)


def _meridiem(vocab: Vocabulary, tokens: _Tokens) -> str | None:
    """a.m. or p.m. from anywhere in the message ('7 in the morning', 'tonight at 10')."""
    if tokens.spans(vocab, "pm") or _find(tokens.items, vocab.words.get("pm", ())):
        pm = True
    else:
        pm = False
    am = bool(_find(tokens.items, vocab.words.get("am", ())))
    if am and not pm:
        return "am"
    return "pm" if pm and not am else None


def _settle(clock: _Clock, family: Family | None) -> tuple[int, int] | None:
    hour, minute = clock.hour, clock.minute
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    if clock.meridiem in ("am", "pm"):
        if not 1 <= hour <= 12:
            return (hour, minute) if hour < 24 else None
        hour = hour % 12 + (12 if clock.meridiem == "pm" else 0)
    elif family is Family.BEDTIME and 7 <= hour <= 11:
        hour += 12  # 'bedtime at 10:30': nobody goes to bed at 10:30 in the morning
    if hour == 24:
        return None
    return hour, minute


# --- the whole message --------------------------------------------------------------------


def _family(vocab: Vocabulary, tokens: Sequence[str]) -> Family | None:
    if vocab.has("swim", tokens):
        return Family.SWIM
    if vocab.has("bedtime", tokens):
        return Family.BEDTIME
    return None


def _corrected(vocab: Vocabulary, raw: list[str]) -> list[str]:
    return [
        (vocab.speller.correct(token) or token)
        if token.isalpha() and len(token) > 3 and not vocab.speller.known(token)
        else token
        for token in raw
    ]


def parse(text: str, vocab: Vocabulary, today: date, *, fragment: bool = False) -> Request:
    """Read one message; `today` is the person's local date (for 'tomorrow', 'on friday').

    `fragment`: the message answers a set-up's question ("mon wed fri", "7am"), so it need
    not say "remind" or name a kind to be read."""
    raw = _corrected(vocab, vocab.split(_tokens(text[:500])))
    tokens = _Tokens(raw)
    family = _family(vocab, raw)
    remind = vocab.has("remind", raw) or fragment
    if not fragment and vocab.has("stop", raw) and (remind or family is not None):
        return Request(Action.STOP, kind=family)
    if not remind and (family is None or vocab.has("not_request", raw)):
        return UNKNOWN
    lead = _read_lead(vocab, tokens, family is Family.SWIM)
    days = _Days()
    _read_day_words(vocab, tokens, days)
    _read_weekdays(vocab, tokens, days, today)
    _read_dates(vocab, tokens, days, today)
    at = _read_clock(vocab, tokens, family)
    said = at is not None or days.mask or days.once is not None
    if not remind and not said:
        return UNKNOWN
    if family is Family.BEDTIME:
        lead = 0
    if days.once is not None:
        return Request(Action.CREATE, kind=family, at=at, date=days.once, lead=lead)
    mask = days.mask or (ALL_DAYS if family is Family.BEDTIME else None)
    return Request(Action.CREATE, kind=family, at=at, days=mask, lead=lead)


def duration_of(text: str, vocab: Vocabulary) -> int | None:
    """Minutes in a typed duration ('45 min', '1 h 30', 'an hour'); None if it is none."""
    tokens = _Tokens(_corrected(vocab, vocab.split(_tokens(text[:100]))))
    if len(tokens.items) == 1 and re.fullmatch(r"\d{1,2}:\d{2}", tokens.items[0]):
        hours, minutes = tokens.items[0].split(":")  # '1h30' alone, as an answer to "how long"
        return int(hours) * 60 + int(minutes)
    found = _duration(vocab, tokens, 0)
    return found[0] if found is not None and found[1] == len(tokens.items) else None


_VOCABULARIES: dict[int, Vocabulary] = {}


def vocabulary(content: Content) -> Vocabulary:
    """The parser words of a language's content, built once per loaded content."""
    texts = content.reminders
    if texts is None:
        raise ValueError("content has no reminders.toml")
    key = id(texts)
    if key not in _VOCABULARIES:
        _VOCABULARIES[key] = Vocabulary.build(
            texts.parser_words, texts.parser_days, texts.parser_numbers, content.language
        )
    return _VOCABULARIES[key]
