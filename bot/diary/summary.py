"""The month's figures for /diary and the PDF. Pure.

Everything here is the person's own record. The one comparison it makes (cramps on nights
after the bedtime stretch against other nights) is shown only with enough nights on each side,
and is labelled an observation, not proof.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.diary.entries import Entry

WINDOW_DAYS = 30
WEEK_DAYS = 7
# The stretch comparison needs at least this many nights on each side.
MIN_NIGHTS_TO_COMPARE = 3


@dataclass(frozen=True)
class Day:
    day: date
    land: int  # in bed or on land
    water: int
    stretched: bool  # the bedtime stretch was done that evening


@dataclass(frozen=True)
class Summary:
    first: date
    last: date
    total: int
    this_week: int
    last_week: int
    night: int
    daytime: int
    water: int
    severe: int
    best: tuple[str, int] | None  # (method, times it helped)
    longest: Entry | None  # the cramp that took longest to ease
    stretch_nights: int
    after_stretch: float | None  # cramps per night after the stretch
    other_nights: float | None
    days: tuple[Day, ...]


def window(entries: Sequence[Entry], today: date, days: int = WINDOW_DAYS) -> list[Entry]:
    first = today - timedelta(days=days - 1)
    return [e for e in entries if first <= e.day() <= today]


def per_night(entries: Sequence[Entry], nights: Collection[date]) -> float:
    if not nights:
        return 0.0
    counts = Counter(n for e in entries if (n := e.night()) is not None)
    return sum(counts[n] for n in nights) / len(nights)


def summarise(
    entries: Sequence[Entry],
    today: date,
    stretched: Collection[date] = (),
    since: date | None = None,
) -> Summary:
    """The last 30 days up to `today` (the person's local date). `stretched`: evenings the
    bedtime stretch was done; `since`: when the diary started (nights before it are unknown)."""
    first = today - timedelta(days=WINDOW_DAYS - 1)
    recent = window(entries, today)
    week_start = today - timedelta(days=WEEK_DAYS - 1)
    prev_start = week_start - timedelta(days=WEEK_DAYS)
    helped = Counter(e.helped for e in recent if e.helped)
    best = None
    if helped:
        method, times = max(helped.items(), key=lambda kv: (kv[1], _last_helped(recent, kv[0])))
        best = (method, times)
    timed = [e for e in recent if e.minutes_to_ease is not None]
    longest = max(timed, key=lambda e: (e.minutes_to_ease or 0, e.occurred_utc), default=None)

    start = max(first, since) if since else first
    nights = [start + timedelta(days=i) for i in range((today - start).days)]
    done = [n for n in nights if n in stretched]
    other = [n for n in nights if n not in stretched]
    after_stretch = other_nights = None
    if len(done) >= MIN_NIGHTS_TO_COMPARE and len(other) >= MIN_NIGHTS_TO_COMPARE:
        after_stretch, other_nights = per_night(recent, done), per_night(recent, other)

    by_day: dict[date, list[int]] = {}
    for e in recent:
        counts = by_day.setdefault(e.day(), [0, 0])
        counts[e.place == "water"] += 1
    calendar = [first + timedelta(days=i) for i in range(WINDOW_DAYS)]
    days = tuple(
        Day(d, by_day.get(d, [0, 0])[0], by_day.get(d, [0, 0])[1], d in stretched) for d in calendar
    )
    return Summary(
        first=first,
        last=today,
        total=len(recent),
        this_week=sum(e.day() >= week_start for e in recent),
        last_week=sum(prev_start <= e.day() < week_start for e in recent),
        night=sum(e.at_night for e in recent),
        daytime=sum(not e.at_night for e in recent),
        water=sum(e.place == "water" for e in recent),
        severe=sum(e.severe for e in recent),
        best=best,
        longest=longest if longest is not None and longest.minutes_to_ease else None,
        stretch_nights=sum(d in stretched for d in calendar),
        after_stretch=after_stretch,
        other_nights=other_nights,
        days=days,
    )


def _last_helped(entries: Sequence[Entry], method: str) -> int:
    return max((e.occurred_utc for e in entries if e.helped == method), default=0)
