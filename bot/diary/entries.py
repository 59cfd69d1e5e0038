"""One diary entry, and the local days and nights it belongs to. Pure.

Times are stored as Unix seconds (UTC) with the time-zone name that was the person's when the
entry was made, so "last night at 3" stays 3 o'clock at home even after they travel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from bot.reminders.schedule import local_now, zone_from_name

PLACES = ("bed", "land", "water")
SOURCES = ("flow", "typed", "buttons")
SIDES = ("left", "right", "both")
MUSCLES = ("calf", "foot")

# A night runs from NIGHT_START in the evening to NIGHT_END the next morning (local time), and
# belongs to the evening's date: a cramp at 03:00 on Tuesday is Monday night's.
NIGHT_START = 21
NIGHT_END = 7


@dataclass(frozen=True)
class Entry:
    id: int
    occurred_utc: int
    zone: str
    place: str
    tried: tuple[str, ...] = ()
    helped: str | None = None
    minutes_to_ease: int | None = None
    severe: bool = False
    source: str = "flow"
    side: str | None = None
    muscle: str | None = None

    def local(self) -> datetime:
        return self._local

    # Worked out once per entry: the month's figures ask for it many times.
    @cached_property
    def _local(self) -> datetime:
        return local_time(self.occurred_utc, self.zone)

    def day(self) -> date:
        return self._local.date()

    def night(self) -> date | None:
        return night_of(self._local)

    @property
    def at_night(self) -> bool:
        return self.night() is not None


def local_time(utc: int, zone: str) -> datetime:
    return local_now(zone_from_name(zone or "UTC"), utc)


def night_of(moment: datetime) -> date | None:
    """The evening date of the night `moment` falls in, or None in the daytime."""
    if moment.hour >= NIGHT_START:
        return moment.date()
    if moment.hour < NIGHT_END:
        return moment.date() - timedelta(days=1)
    return None


def stretch_night(moment: datetime) -> date:
    """The night a bedtime stretch done at `moment` is for: that evening's (after midnight,
    the night already under way)."""
    return night_of(moment) or moment.date()


def place_for_flow(flow: str, moment: datetime) -> str:
    """Where a relief flow's cramp happened. The bed flow covers "in bed / on land": at night
    it is taken as bed, in the daytime as land (the person can correct it)."""
    if flow == "swim":
        return "water"
    return "bed" if night_of(moment) is not None else "land"
