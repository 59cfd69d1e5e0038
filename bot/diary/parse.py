"""A past cramp told in words: "cramp in my left calf last night around 3". Pure.

The words come from content/<lang>/diary.toml ([words]), so each language brings its own. The
parser only reads a message as a past cramp when it names a cramp and a time in the past
("last night", "yesterday", "2 days ago", "on Monday", "this morning"); anything else is left
to the router. What it cannot tell is guessed plainly and shown for the person to confirm:
no time given means a typical time for that part of the day, marked as a guess.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.diary.entries import NIGHT_END, NIGHT_START

# A time named without one: the middle of that part of the day (marked as a guess).
GUESSED_HOUR = {"night": 2, "morning": 8, "afternoon": 15, "evening": 19, "day": 12}
MAX_DAYS_BACK = 30

# A letter or digit that joins a word to the next. Han, kana and Hangul are left out: Chinese
# and Japanese write without spaces, so "昨晚" must be found inside "我昨晚小腿抽筋了".
_JOINS = r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
_START = rf"(?<!{_JOINS})"  # no letter or digit of the same word just before
_END = rf"(?!{_JOINS})"  # nor just after


@dataclass(frozen=True)
class PastWords:
    cramp: tuple[str, ...]
    last_night: tuple[str, ...]
    yesterday: tuple[str, ...]
    today: tuple[str, ...]
    ago: tuple[str, ...]
    day_units: tuple[str, ...]
    hour_units: tuple[str, ...]
    minute_units: tuple[str, ...]
    weekdays: tuple[tuple[str, ...], ...]  # Monday first
    parts: Mapping[str, tuple[str, ...]]  # night, morning, afternoon, evening
    am: tuple[str, ...]
    pm: tuple[str, ...]
    around: tuple[str, ...]
    now: tuple[str, ...]  # "right now", "still": the cramp is happening, not past
    places: Mapping[str, tuple[str, ...]]
    sides: Mapping[str, tuple[str, ...]]
    muscles: Mapping[str, tuple[str, ...]]
    severe: tuple[str, ...]


@dataclass(frozen=True)
class PastCramp:
    when: datetime  # local time, in the person's zone
    time_guessed: bool
    place: str
    side: str | None
    muscle: str | None
    severe: bool
    minutes: int | None


def _phrase(phrase: str) -> str:
    """A phrase as a pattern: an edge that is a letter or digit must not join another one
    ("at" is not in "that"); a Han edge needs nothing ("昨晚" in "昨晚3点")."""
    start = _START if re.match(_JOINS, phrase[:1]) else ""
    end = _END if re.match(_JOINS, phrase[-1:]) else ""
    return f"{start}{re.escape(phrase)}{end}"


@functools.lru_cache(maxsize=1024)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled pattern for a list of phrases (re's own cache holds 512 patterns, fewer
    than the languages' phrases: they were compiled again and again)."""
    return re.compile("|".join(f"(?:{_phrase(p)})" for p in phrases))


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return bool(phrases) and _pattern(phrases).search(text) is not None


def _first(text: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    for key, phrases in table.items():
        if _has(text, phrases):
            return key
    return None


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def is_past_cramp(text: str, words: PastWords) -> bool:
    """Does the message tell of a cramp that is over (and not one happening now)?"""
    low = text.lower()
    if not _has(low, words.cramp) or _has(low, words.now):
        return False
    return _day_cue(low, words) is not None


def _day_cue(low: str, words: PastWords) -> tuple[str, int] | None:
    """(kind, days back): kind is 'night' (the night before), 'day' or 'hours'."""
    if _has(low, words.last_night):
        return ("night", 1)
    days = _ago(low, words.day_units, words.ago)
    if days is not None:
        return ("day", days)
    hours = _ago(low, words.hour_units, words.ago)
    if hours is not None:
        return ("hours", hours)
    if _has(low, words.yesterday):
        return ("day", 1)
    for index, names in enumerate(words.weekdays):
        if _has(low, names):
            return ("weekday", index)
    if _has(low, words.today):
        return ("day", 0)
    return None


def _ago(low: str, units: tuple[str, ...], ago: tuple[str, ...]) -> int | None:
    """The number in "2 days ago", or in "hace 2 días" (the ago word first, as in Spanish)."""
    unit, before = _alternatives(units), _alternatives(ago)
    match = re.search(rf"{_START}(\d{{1,2}})\s*(?:{unit})\s*(?:{before}){_END}", low)
    if match is None:
        match = re.search(rf"{_START}(?:{before})\s*(\d{{1,2}})\s*(?:{unit}){_END}", low)
    return int(match.group(1)) if match else None


def _clock(low: str, words: PastWords) -> tuple[int, int, str | None] | None:
    """(hour, minute, 'am' | 'pm' | None) of a time named in the message."""
    am, pm = _alternatives(words.am), _alternatives(words.pm)
    units = _alternatives(words.minute_units + words.hour_units + words.day_units)
    match = re.search(rf"{_START}(?<![:.])(\d{{1,2}})[:.](\d{{2}})\s*({am}|{pm})?{_END}", low)
    if match is None:
        match = re.search(rf"{_START}(?<![:.])(\d{{1,2}})()\s*({am}|{pm}){_END}", low)
    if match is None:
        around = _alternatives(words.around)
        match = re.search(
            rf"{_START}(?:{around})\s*(\d{{1,2}})()()(?!\s*(?:{units})){_END}(?![:.])", low
        )
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    marker = match.group(3) or None
    half = None
    if marker:
        half = "am" if _has(marker, words.am) else "pm"
    if hour > 23 or minute > 59 or (half and not 1 <= hour <= 12):
        return None
    return hour, minute, half


def parse_past(text: str, words: PastWords, now: datetime) -> PastCramp | None:
    """The cramp the message tells of, in local time, or None when it is not a past cramp
    (or its time would be in the future or over 30 days ago). `now`: the person's local time
    (aware)."""
    low = text.lower()
    if not is_past_cramp(low, words):
        return None
    cue = _day_cue(low, words)
    assert cue is not None
    kind, back = cue
    part = _first(low, words.parts)
    if kind == "night":
        part = "night"
    clock = _clock(low, words)
    today = now.date()
    if kind == "hours":
        when = (now - timedelta(hours=back)).replace(second=0, microsecond=0)
        return _finish(low, words, when, False, now)
    if kind == "weekday":
        back = (today.weekday() - back) % 7 or 7
    day = today - timedelta(days=back)
    guessed = clock is None
    if clock is None:
        hour, minute = GUESSED_HOUR[part or "day"], 0
    else:
        hour, minute, half = clock
        hour = _hour_in_context(hour, half, part)
    # A night belongs to its evening: "last night at 3" is 03:00 this morning.
    if part == "night" and hour < NIGHT_END and back > 0:
        day += timedelta(days=1)
    when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=now.tzinfo)
    return _finish(low, words, when, guessed, now)


def _hour_in_context(hour: int, half: str | None, part: str | None) -> int:
    if half == "am":
        return 0 if hour == 12 else hour
    if half == "pm":
        return hour if hour == 12 else hour + 12
    if hour > 12:
        return hour
    if part == "night":
        # 7 to 11 at night are evening hours; 12 is midnight; 1 to 6 the small hours.
        if hour == 12:
            return 0
        return hour + 12 if hour >= NIGHT_END else hour
    if part in ("afternoon", "evening"):
        return hour if hour == 12 else hour + 12
    if part == "morning":
        return 0 if hour == 12 else hour
    # No part of the day said: 7 to 12 in the morning, 1 to 6 in the afternoon.
    return hour + 12 if 1 <= hour < NIGHT_END else hour


def _finish(
    low: str, words: PastWords, when: datetime, guessed: bool, now: datetime
) -> PastCramp | None:
    if when > now or (now.date() - when.date()).days > MAX_DAYS_BACK:
        return None
    place = _first(low, words.places)
    if place is None:
        hour = when.hour
        place = "bed" if hour >= NIGHT_START or hour < NIGHT_END else "land"
    units = _alternatives(words.minute_units)
    match = re.search(rf"{_START}(\d{{1,3}})\s*(?:{units}){_END}", low)
    minutes = int(match.group(1)) if match else None
    return PastCramp(
        when=when,
        time_guessed=guessed,
        place=place,
        side=_first(low, words.sides),
        muscle=_first(low, words.muscles),
        severe=_has(low, words.severe),
        minutes=minutes,
    )


# --- the medicines answer ------------------------------------------------------------------


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def clears_medicines(text: str, clear: Sequence[str]) -> bool:
    """Whether a typed medicines answer means "none" in its language (`[medicines] clear`):
    the whole answer is one of the words, whatever its case, spacing or closing mark ("None.",
    "нет!", "无。"). Anything else is kept as the medicines the person typed."""
    words = {_folded(w) for w in clear}
    answer = _folded(text)
    bare = answer.strip(_MARKS).strip()
    return answer in words or (bare != "" and bare in words)


# Punctuation around a one-word answer, in the scripts the bot speaks.
_MARKS = ".,;:!?¡¿…。，、；：！？ "
