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
from functools import lru_cache

from bot.content import Content
from bot.reminders.kinds import Family
from bot.spelling import Speller, dictionary_words
from bot.text_schema import uses

# The [parser] ideas this module reads; [parser.days] and [parser.numbers] are walked as data.
uses(
    __name__, "reminders.toml", "parser",
    """remind stop bedtime swim not_request before lead not_lead minutes hours half_hour
    quarter_hour hour_and_half daily
    weekdays weekends today tomorrow range every once next list_days am pm night midday
    day_part_after noon
    midnight one number_and ordinal half quarter past to plus minus oclock not_clock at""",
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
    # Each idea's one-token words, worked out once (`_flat`).
    flats: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

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
    r"|(?P<decimal>\d+[.,]\d)(?!\d)"  # 1.5 (hours), 1,5 (written so in ru and es)
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
        if match.lastgroup == "time":
            token = re.sub(r"[.h]", ":", token)
        out.append(token.replace(",", ".") if match.lastgroup == "decimal" else token)
    return out


@lru_cache(maxsize=1024)
def _longest_first(phrases: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted(phrases, key=len, reverse=True))


def _find(tokens: Sequence[str], phrases: Sequence[tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of any phrase, longest phrases first."""
    spans: list[tuple[int, int]] = []
    if isinstance(phrases, tuple):
        ordered = _longest_first(phrases)  # an idea's words: sorted once
    else:
        ordered = tuple(sorted(phrases, key=len, reverse=True))
    # Every typed message is read for a reminder request, and most hold none of an idea's
    # words: a phrase whose first word is not in the message is not looked for.
    present = set(tokens)
    for phrase in ordered:
        if phrase and phrase[0] not in present:
            continue
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
    """(value, tokens used) for a number at i: '45', '1.5', 'ten', 'an' ([parser] one), and a
    compound of tens and units: 'forty five', 'forty-five', 'cuarenta y cinco', 'двадцать
    пять', '二十五' (the joiners are [parser] number_and). An ordinal ('восьмого') is no number."""
    token = tokens.at(i)
    if token.isdigit() or re.fullmatch(r"\d+\.\d", token):
        return float(token), 1
    if token in _flat(vocab, "one"):
        return 1.0, 1
    value = _number_word(vocab, token)
    if value is None:
        return None
    if value % 10 == 0 and 20 <= value <= 90:  # tens, then perhaps a unit
        j = i + 2 if tokens.at(i + 1) in _flat(vocab, "number_and") else i + 1
        unit = _number_word(vocab, tokens.at(j))
        if unit is not None and 1 <= unit <= 9 and tokens.free(j):
            return float(value + unit), j - i + 1
    return float(value), 1


def _number_word(vocab: Vocabulary, token: str) -> int | None:
    if token not in vocab.numbers or token in _flat(vocab, "ordinal") or token.isdigit():
        return None
    return vocab.numbers[token]


# Durations said as one phrase: the [parser] idea and its minutes.
_SAID_DURATIONS = (("hour_and_half", 90), ("half_hour", 30), ("quarter_hour", 15))


def _duration(vocab: Vocabulary, tokens: _Tokens, i: int) -> tuple[int, int] | None:
    """(minutes, end) for a duration starting at i: '45 min', 'an hour', '1h30', '1.5 hours',
    'half an hour', 'a quarter of an hour', 'an hour and a half', '1 hour 30 minutes'."""
    for idea, said in _SAID_DURATIONS:
        end = _phrase_at(vocab, tokens, idea, i)
        if end is not None:
            return said, end
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
    found = vocab.flats.get(idea)
    if found is None:
        found = frozenset(p[0] for p in vocab.words.get(idea, ()) if len(p) == 1)
        vocab.flats[idea] = found
    return found


def _read_lead(vocab: Vocabulary, tokens: _Tokens, swim: bool) -> int | None:
    """'45 min before', 'an hour early', 'lead 45', 'за час', and for a swim a bare '30 min'.
    Unless a before word follows it, a duration after a [parser] not_lead word is no lead
    ('in 2 hours', 'в 7 часов': a time), nor are the minutes of a time ('в 7 часов 30 минут')."""
    before = [s for s, _ in tokens.spans(vocab, "before")]
    not_lead, leads = _flat(vocab, "not_lead"), _flat(vocab, "lead")
    for i in range(len(tokens.items)):
        found = _duration(vocab, tokens, i) if tokens.free(i) else None
        if found is None:
            continue
        minutes, end = found
        gap = [j for j in before if end <= j <= end + 3]
        timed = _phrase_at(vocab, tokens, "oclock", i + 1) is not None  # 'a las 19 horas'
        if tokens.at(i - 1) in not_lead and (timed or not gap):
            continue
        if not gap and _in_a_time(vocab, tokens, i):
            continue
        if (gap or swim or tokens.at(i - 1) in leads) and 0 < minutes <= MAX_LEAD:
            tokens.take(i, (gap[0] + 1) if gap else end)
            return minutes
    return _lead_word_then(vocab, tokens, leads)


def _in_a_time(vocab: Vocabulary, tokens: _Tokens, i: int) -> bool:
    """The minutes at i belong to a time of day: '7点15分', '7点过5分', 'без 10 минут 8'."""
    if _number(vocab, tokens, i) is None:
        return False  # '6点提前半小时' is a lead
    before = tokens.at(i - 1)
    links = ("past", "to", "plus", "minus")
    if any(before in _flat(vocab, idea) for idea in links):
        return True
    return any(
        tuple(tokens.items[max(i - len(o), 0) : i]) == o
        and _number(vocab, tokens, i - len(o) - 1) is not None
        for o in vocab.words.get("oclock", ())
    )


def _lead_word_then(vocab: Vocabulary, tokens: _Tokens, leads: frozenset[str]) -> int | None:
    """'lead 45', and a unit alone after the lead word: 'за час' (an hour before)."""
    units = ((_flat(vocab, "hours"), 60), (_flat(vocab, "minutes"), 1))
    for i in range(len(tokens.items)):
        if tokens.at(i) not in leads or not tokens.free(i + 1):
            continue
        if tokens.at(i + 1).isdigit():
            tokens.take(i, i + 2)
            return int(tokens.at(i + 1))
        for words, minutes in units:
            if tokens.at(i + 1) in words and len(tokens.at(i + 1)) > 1:
                tokens.take(i, i + 2)
                return minutes
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


# Between two days of a list: 'mo/we', 'mon, wed', '周一、三' (、 is no token), 'mon & wed'.
_DAY_LINKS = frozenset("/,&+")


def _day_positions(vocab: Vocabulary, tokens: _Tokens) -> dict[int, int]:
    """Token index -> weekday of each day named. A [parser] list_days form ('tu', 'we', the 三
    of 周一三五) is a day only in a list: beside a day already read (or across a link or a
    range word), or beside '/'; never when it counts hours or minutes (周一三点: Monday at 3)."""
    found: dict[int, int] = {}
    listed: dict[int, int] = {}
    short = _flat(vocab, "list_days")
    for i, token in enumerate(tokens.items):
        day = vocab.day_of(token) if tokens.free(i) else None
        if day is not None:
            (listed if token.rstrip(".") in short else found)[i] = day
    links = _DAY_LINKS | _flat(vocab, "range")
    for i in list(listed):
        if _counts(vocab, tokens, i):
            del listed[i]
        elif "/" in (tokens.at(i - 1), tokens.at(i + 1)) or _linked_pair(vocab, tokens, i, links):
            found[i] = listed.pop(i)
    grew = True
    while grew:
        grew = False
        for i in list(listed):
            near = {i - 1, i + 1} | {j for j in (i - 2, i + 2) if tokens.at((i + j) // 2) in links}
            if near & found.keys():
                found[i] = listed.pop(i)
                grew = True
    return dict(sorted(found.items()))


def _linked_pair(vocab: Vocabulary, tokens: _Tokens, i: int, links: frozenset[str]) -> bool:
    """'sa-su', 'lu-vi', 'mo, we': two list-only forms joined by a link. Forms that are also
    numbers (三, 五) need a full day beside them: 三到五 alone is 'three to five'."""
    short = _flat(vocab, "list_days")
    if tokens.at(i) in vocab.numbers:
        return False
    return any(
        tokens.at(j) in short and tokens.at(j) not in vocab.numbers and tokens.at(m) in links
        for j, m in ((i - 2, i - 1), (i + 2, i + 1))
    )


def _counts(vocab: Vocabulary, tokens: _Tokens, i: int) -> bool:
    """The number word at i counts something: 三点 (3 o'clock), 三分钟, 三小时."""
    if tokens.at(i) not in vocab.numbers:
        return False
    unit = tokens.at(i + 1)
    return bool(_phrase_at(vocab, tokens, "oclock", i + 1)) or unit in (
        _flat(vocab, "minutes") | _flat(vocab, "hours")
    )


def _phrase_at(vocab: Vocabulary, tokens: _Tokens, idea: str, i: int) -> int | None:
    """The end of a free phrase of the idea starting at i ('o clock', 'a quarter'), if any."""
    for phrase in sorted(vocab.words.get(idea, ()), key=len, reverse=True):
        end = i + len(phrase)
        if tuple(tokens.items[i:end]) == phrase and all(tokens.free(j) for j in range(i, end)):
            return end
    return None


def _read_weekdays(vocab: Vocabulary, tokens: _Tokens, found: _Days, today: date) -> None:
    named: list[tuple[int, int]] = []  # (token index, weekday)
    ranges = _flat(vocab, "range")
    for i, day in _day_positions(vocab, tokens).items():
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


def _hour_at(vocab: Vocabulary, tokens: _Tokens, i: int) -> tuple[int, int] | None:
    """(hour, end) for an hour at i: '7', 'ten', 'двадцать два', '十'; never 'a'/'an'."""
    number = _number(vocab, tokens, i) if tokens.free(i) else None
    if number is None or tokens.at(i) in _flat(vocab, "one"):
        return None
    value, size = number
    if value != int(value) or not 0 <= value <= 24 or not tokens.free(i + size - 1):
        return None
    return int(value), i + size


def _part_at(vocab: Vocabulary, tokens: _Tokens, i: int) -> tuple[int, int, bool] | None:
    """(minutes, end, spoken) for the part of an hour at i: a half, a quarter ('a quarter',
    '一刻', 'четверти'), or minutes ('twenty', '15 分', 'десяти'); `spoken` unless written
    as bare digits."""
    for idea, minutes in (("half", 30), ("quarter", 15)):
        end = _phrase_at(vocab, tokens, idea, i)
        if end is not None:
            return minutes, end, True
    number = _number(vocab, tokens, i) if tokens.free(i) else None
    if number is None or number[0] != int(number[0]) or not 1 <= number[0] <= 59:
        return None
    end = i + number[1]
    unit = tokens.free(end) and tokens.at(end) in _flat(vocab, "minutes")
    return int(number[0]), end + unit, bool(unit) or not tokens.at(i).isdigit()


def _oclock_end(vocab: Vocabulary, tokens: _Tokens, i: int) -> int:
    return _phrase_at(vocab, tokens, "oclock", i) or i


_Found = tuple[_Clock, int, int]  # a time of day and the tokens it was read from


def _part_then_hour(vocab: Vocabulary, tokens: _Tokens, i: int) -> _Found | None:
    """'half past 7', 'twenty past seven', 'quarter to 8', 'cuarto para las ocho': the part
    first, then a [parser] past or to word, then the hour. 'five to 7' in digits is a range,
    not 6:55: a to-part in digits needs its minutes word ('5 min to 7')."""
    part = _part_at(vocab, tokens, i)
    if part is None:
        return None
    minutes, end, spoken = part
    link = tokens.at(end)
    after = end + 1 + (tokens.at(end + 1) in _flat(vocab, "at"))  # 'para las ocho'
    hour = _hour_at(vocab, tokens, after) if tokens.free(end) else None
    if hour is None:
        return None
    if link in _flat(vocab, "past"):
        return _Clock(hour[0], minutes), i, _oclock_end(vocab, tokens, hour[1])
    if (
        link in _flat(vocab, "to")
        and spoken
        and minutes <= 30
        and _phrase_at(vocab, tokens, "half", i) is None
    ):
        return _Clock(hour[0] - 1, 60 - minutes), i, _oclock_end(vocab, tokens, hour[1])
    return None


def _to_then_part(vocab: Vocabulary, tokens: _Tokens, i: int) -> _Found | None:
    """'без четверти семь' (6:45), 'без десяти восемь', '差一刻8点': a to word, the part,
    the hour."""
    if not tokens.free(i) or tokens.at(i) not in _flat(vocab, "to"):
        return None
    part = _part_at(vocab, tokens, i + 1)
    if part is None or part[0] > 30 or _phrase_at(vocab, tokens, "half", i + 1) is not None:
        return None
    hour = _hour_at(vocab, tokens, part[1])
    if hour is None:
        return None
    return _Clock(hour[0] - 1, 60 - part[0]), i, _oclock_end(vocab, tokens, hour[1])


def _hour_then_part(vocab: Vocabulary, tokens: _Tokens, i: int) -> _Found | None:
    """'siete y media', 'ocho menos cuarto' (7:45), '7点半', '7点15分', '8点差一刻',
    'в 7 часов 30 минут': the hour, then a [parser] plus or minus word, or an o'clock word
    with the part straight after it."""
    hour = _hour_at(vocab, tokens, i)
    if hour is None:
        return None
    after = _oclock_end(vocab, tokens, hour[1])
    link = tokens.at(after) if tokens.free(after) else ""
    sign = 1 if link in _flat(vocab, "plus") else -1 if link in _flat(vocab, "minus") else 0
    part = _part_at(vocab, tokens, after + 1 if sign else after)
    if part is None or (sign == 0 and after == hour[1]):
        return None
    minutes, end, _ = part
    if sign >= 0:
        return _Clock(hour[0], minutes), i, end
    if minutes > 30 or _phrase_at(vocab, tokens, "half", after + 1) is not None:
        return None
    return _Clock(hour[0] - 1, 60 - minutes), i, end


def _part_of_ordinal(vocab: Vocabulary, tokens: _Tokens, i: int) -> _Found | None:
    """'половина восьмого' (7:30), 'четверть восьмого' (7:15), 'полвосьмого': the part of
    the hour before the one named by a [parser] ordinal."""
    ordinals = _flat(vocab, "ordinal")
    token = tokens.at(i)
    for half in _flat(vocab, "half") if tokens.free(i) else ():
        if token.startswith(half) and token[len(half) :] in ordinals:
            return _Clock(vocab.numbers[token[len(half) :]] - 1, 30), i, i + 1
    part = _part_at(vocab, tokens, i)
    if part is None or tokens.at(part[1]) not in ordinals or not tokens.free(part[1]):
        return None
    return _Clock(vocab.numbers[tokens.at(part[1])] - 1, part[0]), i, part[1] + 1


def _hour_and_minutes_words(vocab: Vocabulary, tokens: _Tokens, i: int) -> _Found | None:
    """'ten thirty', 'семь тридцать', 'seven forty five'."""
    if tokens.at(i).isdigit():
        return None
    hour = _hour_at(vocab, tokens, i)
    after = _number(vocab, tokens, hour[1]) if hour is not None and hour[0] <= 12 else None
    if hour is None or after is None or tokens.at(hour[1]).isdigit():
        return None
    if not 10 <= after[0] <= 59 or not tokens.free(hour[1] + after[1] - 1):
        return None
    return _Clock(hour[0], int(after[0])), i, hour[1] + after[1]


_SPOKEN = (_part_of_ordinal, _part_then_hour, _to_then_part, _hour_then_part)


def _read_spoken(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    """A time said with its parts: each reader of `_SPOKEN` in turn at each token, then
    'ten thirty'."""
    for readers in (_SPOKEN, (_hour_and_minutes_words,)):
        for i in range(len(tokens.items)):
            for reader in readers:
                found = reader(vocab, tokens, i)
                if found is not None:
                    clock, start, end = found
                    tokens.take(start, end)
                    return clock
    return None


def _read_digits(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    """'22:30', '7', '2215', '10 30 pm', '7 oclock', '7点', 'в 7 часов' (a bare number needs
    'at', a.m./p.m. or an o'clock word beside it)."""
    ats, oclock = _flat(vocab, "at"), set(vocab.words.get("oclock", ()))
    for i, token in enumerate(tokens.items):
        if not tokens.free(i):
            continue
        if re.fullmatch(r"\d{1,2}:\d{2}", token):
            tokens.take(i, i + 1)
            hour, minute = (int(x) for x in token.split(":"))
            return _Clock(hour, minute, _meridiem_after(vocab, tokens, i + 1))
        if not token.isdigit():
            continue
        marked = _meridiem_after(vocab, tokens, i + 1)
        said = any(tuple(tokens.items[i + 1 : i + 1 + len(o)]) == o for o in oclock)
        if not said and _is_duration(vocab, tokens, i + 1):
            continue  # 'for 2 hours at 7am': the 2 is no time
        told = tokens.at(i - 1) in ats or marked is not None or said
        if len(token) in (3, 4) and (told or len(token) == 4):
            tokens.take(i, i + 1)
            return _Clock(int(token[:-2]), int(token[-2:]), marked)
        if len(token) <= 2 and told and not _not_clock(vocab, tokens, i, said):
            tokens.take(i, i + 1)
            following = tokens.at(i + 1)
            if following.isdigit() and len(following) == 2 and tokens.free(i + 1):
                tokens.take(i + 1, i + 2)
                return _Clock(int(token), int(following), _meridiem_after(vocab, tokens, i + 2))
            return _Clock(int(token), 0, marked)
    return None


def _is_duration(vocab: Vocabulary, tokens: _Tokens, i: int) -> bool:
    """An hours or minutes word at i (after a number): a duration, not a time of day."""
    return tokens.at(i) in _flat(vocab, "hours") | _flat(vocab, "minutes")


def _not_clock(vocab: Vocabulary, tokens: _Tokens, i: int, said: bool) -> bool:
    """早一点 is 'a little earlier', not one o'clock: an o'clock word alone does not make a
    time after a [parser] not_clock word."""
    return said and tokens.at(i - 1) in _flat(vocab, "not_clock")


def _meridiem_after(vocab: Vocabulary, tokens: _Tokens, i: int) -> str | None:
    """The part of the day said right after a number ('7am', '7 утра', '7 de la tarde'): a
    [parser] day_part_after phrase ('3 mornings a week' is no time)."""
    end = _phrase_at(vocab, tokens, "day_part_after", i)
    phrase = tuple(tokens.items[i:end]) if end is not None else ()
    return next((part for part in _DAY_PARTS if phrase in vocab.words.get(part, ())), None)


def _read_named(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    for idea, hour in (("noon", 12), ("midnight", 0)):
        for start, end in tokens.spans(vocab, idea):
            tokens.take(start, end)
            return _Clock(hour, 0, "fixed")
    return None


def _read_words_hour(vocab: Vocabulary, tokens: _Tokens) -> _Clock | None:
    """'at ten', 'ten pm', 'nine in the evening', 'семь часов', '十点'."""
    ats = _flat(vocab, "at")
    for i in range(len(tokens.items)):
        hour = None if tokens.at(i).isdigit() else _hour_at(vocab, tokens, i)
        if hour is None:
            continue
        said = _phrase_at(vocab, tokens, "oclock", hour[1])
        if not said and _is_duration(vocab, tokens, hour[1]):
            continue
        meridiem = _meridiem_after(vocab, tokens, hour[1])
        told = tokens.at(i - 1) in ats or meridiem is not None
        if (hour[0] <= 12 and told) or (said and not _not_clock(vocab, tokens, i, True)):
            tokens.take(i, said or hour[1])
            return _Clock(hour[0], 0, meridiem)
    return None


def _read_clock(
    vocab: Vocabulary, tokens: _Tokens, family: Family | None
) -> tuple[int, int] | None:
    clock = (
        _read_spoken(vocab, tokens)
        or _read_digits(vocab, tokens)
        or _read_words_hour(vocab, tokens)
        or _read_named(vocab, tokens)
    )
    if clock is None:
        return None
    if clock.meridiem is None:
        clock.meridiem = _meridiem(vocab, tokens)
    return _settle(clock, family)


# The [parser] ideas that say which part of the day a time is in, the clearest first.
_DAY_PARTS = ("am", "night", "pm", "midday")


def _meridiem(vocab: Vocabulary, tokens: _Tokens) -> str | None:
    """The part of the day from anywhere in the message ('7 in the morning', 'tonight at 10',
    '晚上10点', 'в 2 ночи'); a morning word with an evening one decides nothing."""
    found = [part for part in _DAY_PARTS if _find(tokens.items, vocab.words.get(part, ()))]
    if "am" in found:
        return "am" if len(found) == 1 else None
    return found[0] if found else None


# Hour on a 12-hour clock -> hour of the day, for each part of the day. At night 1-4 is the
# small hours and 6-11 the evening; 5 at night could be either, so it is asked, never guessed.
# Midday: 10 and 11 are the morning, 12 is noon, 1-9 the afternoon.
_NIGHT = {12: 0, 0: 0, 1: 1, 2: 2, 3: 3, 4: 4} | {h: h + 12 for h in range(6, 12)}
_MIDDAY = {10: 10, 11: 11, 12: 12, 0: 12} | {h: h + 12 for h in range(1, 10)}


def _settle(clock: _Clock, family: Family | None) -> tuple[int, int] | None:
    hour, minute = clock.hour % 24 if clock.hour < 0 else clock.hour, clock.minute
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    table = {
        "am": {h: h % 12 for h in range(13)},
        "pm": {h: h % 12 + 12 for h in range(13)},
        "night": _NIGHT,
        "midday": _MIDDAY,
    }.get(clock.meridiem or "")
    if table is not None:
        if hour > 12:
            return (hour, minute) if hour < 24 else None
        if hour not in table:
            return None
        hour = table[hour]
    elif clock.meridiem is None and family is Family.BEDTIME and 7 <= hour <= 11:
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
    """Minutes in a typed duration ('45 min', '1 h 30', 'an hour', 'час'); None if it is none."""
    tokens = _Tokens(_corrected(vocab, vocab.split(_tokens(text[:100]))))
    if len(tokens.items) == 1 and re.fullmatch(r"\d{1,2}:\d{2}", tokens.items[0]):
        hours, minutes = tokens.items[0].split(":")  # '1h30' alone, as an answer to "how long"
        return int(hours) * 60 + int(minutes)
    if tokens.items in ([h] for h in _flat(vocab, "hours") if len(h) > 1):
        return 60  # 'час', 'hora', 'hour' alone, as an answer to "how long before"
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
