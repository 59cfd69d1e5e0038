"""When the diary suggests seeing a doctor soon. Pure.

The rule comes from the fact base (docs/EDITING.md, "Red flags", "Soon: book a doctor"):
cramps that are frequent, severe, disturb sleep, or no longer ease with stretching (NHS; Mayo
Clinic). The diary turns each of those words into a number below, and a cramp that took over
10 minutes to ease (the NHS's same-day threshold, already past) is a reason too. The note it
leads to is calm: "see a doctor soon", with the reasons read from the diary. Never a diagnosis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.diary.entries import Entry

# "Frequent": cramps on at least this many days in each of the last FREQUENT_WEEKS weeks.
FREQUENT_DAYS_PER_WEEK = 3
FREQUENT_WEEKS = 2
# "Disturb sleep": cramps at night on at least this many nights of the last SLEEP_WINDOW days.
SLEEP_NIGHTS = 3
SLEEP_WINDOW_DAYS = 7
# "Severe": any cramp marked severe ("Over 10 min or severe") in the last RECENT_DAYS days.
RECENT_DAYS = 30
# A cramp that took longer than this to ease, in the last RECENT_DAYS days.
LONG_MINUTES = 10
# "Don't improve with stretching": in the last STRETCH_WINDOW days, the stretch was tried and
# something else eased the cramp (or nothing did) at least STRETCH_FAILS times, and the
# stretch itself eased none of them.
STRETCH_FAILS = 3
STRETCH_WINDOW_DAYS = 14

STRETCH = "stretch"


@dataclass(frozen=True)
class Reason:
    """One reason, with the figures its text needs."""

    id: str  # frequent | sleep | severe | long | stretch
    values: dict[str, int]


def _days_with_cramps(entries: Sequence[Entry], first: date, last: date) -> int:
    return len({e.day() for e in entries if first <= e.day() <= last})


def reasons(entries: Sequence[Entry], today: date) -> list[Reason]:
    """The reasons to see a doctor soon that the diary shows, most telling first; empty when
    none applies. `today` is the person's local date."""
    found: list[Reason] = []
    weeks = []
    for week in range(FREQUENT_WEEKS):
        last = today - timedelta(days=7 * week)
        weeks.append(_days_with_cramps(entries, last - timedelta(days=6), last))
    if all(days >= FREQUENT_DAYS_PER_WEEK for days in weeks):
        found.append(Reason("frequent", {"days": min(weeks), "weeks": FREQUENT_WEEKS}))

    since_sleep = today - timedelta(days=SLEEP_WINDOW_DAYS)
    nights = {
        n
        for e in entries
        if e.place != "water" and (n := e.night()) is not None and n >= since_sleep
    }
    if len(nights) >= SLEEP_NIGHTS:
        found.append(Reason("sleep", {"nights": len(nights), "days": SLEEP_WINDOW_DAYS}))

    recent = [e for e in entries if today - timedelta(days=RECENT_DAYS - 1) <= e.day() <= today]
    severe = sum(e.severe for e in recent)
    if severe:
        found.append(Reason("severe", {"count": severe, "days": RECENT_DAYS}))
    long = [e.minutes_to_ease for e in recent if (e.minutes_to_ease or 0) > LONG_MINUTES]
    if long:
        found.append(Reason("long", {"minutes": max(m for m in long if m is not None),
                                     "limit": LONG_MINUTES}))  # fmt: skip

    window = [e for e in entries if e.day() > today - timedelta(days=STRETCH_WINDOW_DAYS)]
    stretched = [e for e in window if STRETCH in e.tried]
    eased_by_stretch = sum(e.helped == STRETCH for e in stretched)
    not_eased = sum(
        e.helped != STRETCH and (e.helped is not None or e.minutes_to_ease is None)
        for e in stretched
    )
    if not_eased >= STRETCH_FAILS and eased_by_stretch == 0:
        found.append(Reason("stretch", {"count": not_eased, "days": STRETCH_WINDOW_DAYS}))
    return found
