"""Reminder times: read a typed time of day, load a stored zone, compute the next fire time.

Pure functions, no Telegram and no I/O apart from zoneinfo's own tz database (the zone
search is `zones.py`). Every instant is a unix timestamp
(UTC seconds); local wall times exist only inside this module, so storage and the job queue
never see a naive datetime.

Zones are stored as a string: an IANA name ("Europe/London"), which follows that place's DST
rules, or a fixed offset written "UTC+05:30" / "UTC-03:00" / "UTC" for users who prefer one.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

__all__ = [
    "ALL_DAYS",
    "MAX_OFFSET",
    "MIN_OFFSET",
    "format_time",
    "local_now",
    "next_fire_utc",
    "offset_name",
    "parse_time",
    "shift_time",
    "zone_from_name",
    "zone_names",
]

# Weekdays are a bitmask: bit 0 = Monday ... bit 6 = Sunday, matching date.weekday().
ALL_DAYS: int = 127

_DAY_SECONDS = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Days searched after the local date of `after_utc`: a weekly pattern needs 8, the rest is
# slack (Pacific/Apia skipped the whole of 2011-12-30). One day before it is searched too,
# as cheap insurance for zones that fall back across midnight (America/Santiago), where the
# local date can step backwards.
_SEARCH_DAYS = 15
_MAX_LEAD_MINUTES = 24 * 60


# --- times of day -------------------------------------------------------------------------

_TIME_RE = re.compile(
    r"""
    (?P<hour>[0-9]{1,2})
    (?:[:.h]?(?P<minute>[0-9]{2}))?     # '22:30', '22.30', '22h30', '2230', '730'
    \s*
    (?:(?P<half>[ap])\.?\s*m\.?)?       # 'pm', 'PM', 'p.m.'
    """,
    re.VERBOSE,
)
_WORD_TIMES = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
# Quotes, brackets and sentence punctuation around a time ("22:30!", "(7am)") are noise;
# '+' and '-' are not stripped, so a signed offset is never read as a time.
_STRIP = " \t\r\n.,;:!?'\"`()[]{}<>«»“”‘’…"


def parse_time(text: str) -> tuple[int, int] | None:
    """Read a time of day the way people type it; (hour, minute) or None.

    Accepts '22:30', '22.30', '2230', '730', '10:30pm', '10:30 PM', '10 p.m.', '10pm', '7am',
    '7', '07', '12am' (= 00:00), '12pm' (= 12:00), 'noon', 'midnight', with surrounding
    spaces and punctuation ignored. Anything else, including out-of-range values
    ('25:00', '10:75', '13pm', '0am', '24:00'), is None: guessing would set the wrong alarm.
    """
    cleaned = text.strip(_STRIP).lower()
    if cleaned in _WORD_TIMES:
        return _WORD_TIMES[cleaned]
    match = _TIME_RE.fullmatch(cleaned)
    if match is None:
        return None
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    if minute > 59:
        return None
    if match["half"] is not None:
        if not 1 <= hour <= 12:
            return None
        # 12am is the start of the day and 12pm is noon; every other pm hour adds 12.
        hour = hour % 12 + (12 if match["half"] == "p" else 0)
    elif hour > 23:
        return None
    return hour, minute


def _check_time(hour: int, minute: int) -> None:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"not a time of day: {hour}:{minute}")


def format_time(hour: int, minute: int) -> str:
    """'07:05': 24-hour and zero-padded, so the stored and shown forms never disagree."""
    _check_time(hour, minute)
    return f"{hour:02d}:{minute:02d}"


def shift_time(hour: int, minute: int, delta_minutes: int) -> tuple[int, int]:
    """The wall time delta_minutes later (earlier if negative), wrapping around midnight."""
    _check_time(hour, minute)
    total = (hour * 60 + minute + delta_minutes) % (24 * 60)
    return divmod(total, 60)


# --- zones --------------------------------------------------------------------------------

# Offsets are limited to the range real zones use; a user typing 'UTC+15' made a mistake.
MIN_OFFSET = -12 * 60
MAX_OFFSET = 14 * 60
_STORED_OFFSET_RE = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})")
# Zone files that exist on disk but are not places: 'localtime' is the host's own setting
# (available_timezones() lists it when /usr/share/zoneinfo has one), the rest are tooling.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def offset_name(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    # available_timezones() walks the tz directories (~30 ms), so it runs once per process.
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def zone_from_name(name: str) -> tzinfo:
    """The tzinfo for a stored zone name.

    An IANA name ('Europe/London') gives a ZoneInfo; 'UTC' and 'UTC+05:30' / 'UTC-03:00'
    give a fixed datetime.timezone. Anything else raises ValueError. IANA names are checked
    against the installed list rather than passed straight to ZoneInfo, because ZoneInfo
    would also load 'localtime', or 'europe/london' on a case-insensitive file system.
    """
    if name == "UTC":
        return UTC
    match = _STORED_OFFSET_RE.fullmatch(name)
    if match is not None:
        sign, hours, mins = match.groups()
        minutes = int(hours) * 60 + int(mins)
        if int(mins) > 59 or minutes > (MAX_OFFSET if sign == "+" else -MIN_OFFSET):
            raise ValueError(f"UTC offset out of range: {name!r}")
        return timezone(timedelta(minutes=minutes if sign == "+" else -minutes))
    if name in zone_names():
        return zoneinfo.ZoneInfo(name)
    raise ValueError(f"unknown time zone: {name!r}")


# --- fire times ---------------------------------------------------------------------------


def local_now(zone: tzinfo, now_utc: float) -> datetime:
    """The aware local datetime in `zone` for a unix timestamp."""
    return datetime.fromtimestamp(now_utc, tz=zone)


def _wall_seconds(moment: datetime) -> int:
    """A datetime's wall-clock reading as seconds since 1970-01-01 00:00, offset ignored."""
    day = moment.date().toordinal() - _EPOCH_ORDINAL
    return day * _DAY_SECONDS + moment.hour * 3600 + moment.minute * 60 + moment.second


def _offset_seconds(moment: datetime) -> int:
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("the zone gives no UTC offset")
    return offset // timedelta(seconds=1)


def _local_to_utc(zone: tzinfo, day: date, hour: int, minute: int) -> int:
    """The unix time at which `zone`'s clocks read `day` `hour`:`minute`.

    Repeated wall time (fall-back): fold=0, the first occurrence. Missing wall time
    (spring-forward gap): the instant the gap ends, i.e. the first valid instant after it.
    Works for any PEP 495 tzinfo; for a fixed offset both cases simply never happen.
    """
    wall = datetime.combine(day, time(hour, minute), tzinfo=zone)
    target = _wall_seconds(wall)
    first = target - _offset_seconds(wall)
    if _wall_seconds(local_now(zone, first)) == target:
        return first
    # In a gap zoneinfo reads fold=0 with the offset from before the change, which lands
    # after the change (`first`); fold=1 reads it with the offset from after, which lands
    # before it (`early`). The change itself lies in between: find the first second whose
    # wall clock has reached `target`. Gaps are at most a day, so this takes <= 17 steps.
    early = target - _offset_seconds(wall.replace(fold=1))
    if early >= first:
        return first  # a tzinfo that does not follow PEP 495 in gaps; its answer stands
    low, high = early, first
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_seconds(local_now(zone, middle)) >= target:
            high = middle
        else:
            low = middle
    return high


def next_fire_utc(
    kind: str,
    local_time: tuple[int, int],
    zone: tzinfo,
    after_utc: float,
    *,
    weekdays: int = ALL_DAYS,
    lead_minutes: int = 0,
    once_date: date | None = None,
) -> int | None:
    """The next unix time, strictly after `after_utc`, at which a reminder fires; None if never.

    kind 'bedtime': at `local_time` in `zone` on the days in `weekdays` (every day by
    default; `lead_minutes` is ignored). kind 'preswim': `local_time` is the swim time; on
    each local date whose weekday is in the `weekdays` bitmask (bit 0 = Monday) it fires
    `lead_minutes` before that swim.
    The swim instant is found first and the lead subtracted from it, so a 00:15 Monday swim
    with a 30-minute lead fires at 23:45 on Sunday, and a lead spanning a DST change is real
    elapsed time. kind 'swim_once': once, `lead_minutes` before the swim at `local_time` on
    `once_date`; None once that moment is not after `after_utc`. A preswim with
    `weekdays` == 0 never fires: None.

    Daylight saving follows `zone`'s rules (zoneinfo), so a 22:00 reminder stays at 22:00 on
    the wall clock all year, and it fires at most once per local date:
    - a wall time that does not exist that day (spring forward: 02:30 in Europe/Berlin on the
      last Sunday of March; 01:30 in Europe/London, whose gap is 01:00-02:00) fires at the
      first valid instant after the gap (03:00 in Berlin, 02:00 in London), not skipped;
    - a wall time that happens twice (fall back: 01:30 in Europe/London on the last Sunday
      of October) fires at its first occurrence only.

    The search covers one local day back and 15 ahead, then gives up with None: bounded time,
    whatever the input. Raises ValueError for an unknown kind or an out-of-range argument.
    """
    hour, minute = local_time
    _check_time(hour, minute)
    if not 0 <= lead_minutes <= _MAX_LEAD_MINUTES:
        raise ValueError(f"lead_minutes must be 0..{_MAX_LEAD_MINUTES}, got {lead_minutes}")
    if not 0 <= weekdays <= ALL_DAYS:
        raise ValueError(f"weekdays must be a bitmask 0..{ALL_DAYS}, got {weekdays}")
    lead = lead_minutes * 60
    if kind == "swim_once":
        if once_date is None:
            raise ValueError("a swim_once reminder needs once_date")
        fire = _local_to_utc(zone, once_date, hour, minute) - lead
        return fire if fire > after_utc else None
    if kind == "bedtime":
        lead = 0
    elif kind != "preswim":
        raise ValueError(f"unknown reminder kind: {kind!r}")
    if weekdays == 0:
        return None
    today = local_now(zone, after_utc).date()
    for step in range(-1, _SEARCH_DAYS + 1):
        day = today + timedelta(days=step)
        if not (weekdays >> day.weekday()) & 1:
            continue
        # Candidates grow with the date, so the first one past `after_utc` is the next.
        fire = _local_to_utc(zone, day, hour, minute) - lead
        if fire > after_utc:
            return fire
    return None
