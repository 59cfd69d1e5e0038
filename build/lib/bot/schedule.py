"""Reminder times: parse what the user types, find their time zone, compute the next fire time.

Pure functions, no Telegram and no I/O apart from the optional alias table
`content/timezones.toml` and zoneinfo's own tz database. Every instant is a unix timestamp
(UTC seconds); local wall times exist only inside this module, so storage and the job queue
never see a naive datetime.

Zones are stored as a string: an IANA name ("Europe/London"), which follows that place's DST
rules, or a fixed offset written "UTC+05:30" / "UTC-03:00" / "UTC" for users who prefer one.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process, utils

__all__ = [
    "ALIASES_PATH",
    "ALL_DAYS",
    "KINDS",
    "MIN_SCORE",
    "ZoneMatch",
    "format_time",
    "load_aliases",
    "local_now",
    "next_fire_utc",
    "parse_time",
    "resolve_zone",
    "shift_time",
    "warm_up",
    "zone_from_name",
]

# Weekdays are a bitmask: bit 0 = Monday ... bit 6 = Sunday, matching date.weekday().
ALL_DAYS: int = 127

ALIASES_PATH = Path(__file__).resolve().parent.parent / "content" / "timezones.toml"

# Fuzzy scores (0..100) below this are noise: ordinary words ("china" -> Asia/Chita, "home" ->
# Africa/Lome, "tomorrow" -> Indian/Comoro) land at 70-80, real typos ("londn" 91, "tokio" 80)
# at or above it.
MIN_SCORE = 80

_DAY_SECONDS = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Days searched after the local date of `after_utc`: a weekly pattern needs 8, the rest is
# slack (Pacific/Apia skipped the whole of 2011-12-30). One day before it is searched too,
# as cheap insurance for zones that fall back across midnight (America/Santiago), where the
# local date can step backwards.
_SEARCH_DAYS = 15
_MAX_LEAD_MINUTES = 24 * 60

KINDS = ("bedtime", "preswim", "swim_once")


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
_MIN_OFFSET = -12 * 60
_MAX_OFFSET = 14 * 60
_STORED_OFFSET_RE = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})")
# What users type: 'UTC+2', 'utc +2', 'GMT-5', '+05:30', 'UTC+5:45', '+0530'. Unicode minus
# and dashes are folded to '-' before matching, because phones substitute them.
_TYPED_OFFSET_RE = re.compile(r"(?:utc|gmt)?\s*([+-])\s*([0-9]{1,2})(?:[:.]?([0-9]{2}))?")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-"})
# Zone files that exist on disk but are not places: 'localtime' is the host's own setting
# (available_timezones() lists it when /usr/share/zoneinfo has one), the rest are tooling.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def _offset_name(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
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
        if int(mins) > 59 or minutes > (_MAX_OFFSET if sign == "+" else -_MIN_OFFSET):
            raise ValueError(f"UTC offset out of range: {name!r}")
        return timezone(timedelta(minutes=minutes if sign == "+" else -minutes))
    if name in _zone_names():
        return zoneinfo.ZoneInfo(name)
    raise ValueError(f"unknown time zone: {name!r}")


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    name: str  # what we store: an IANA name, or 'UTC+02:00' style for offsets
    label: str  # what we show: 'Europe/London', or 'UTC+02:00'
    score: int  # 0..100; 100 is an exact match of a name, alias or offset


def _norm(text: str) -> str:
    """Comparable form of a place name: no accents, case, punctuation or repeated spaces.

    'São Paulo' and 'sao_paulo' both become 'sao paulo'; apostrophes are dropped rather
    than spaced so "St. John's" meets the zone's 'St_Johns'.
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("'", "").replace("’", ""))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(utils.default_process(bare).split())


def load_aliases(path: Path) -> dict[str, tuple[str, ...]]:
    """Read the [aliases] table: normalised key -> IANA names, most likely first.

    A missing file is an empty table (the search still knows every zone's own city); a
    malformed one raises ValueError naming the entry, so a typo fails the tests instead of
    quietly sending someone's reminders to the wrong zone.
    """
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    table = data.get("aliases", {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [aliases] must be a table")
    known = _zone_names()
    aliases: dict[str, tuple[str, ...]] = {}
    for raw_key, value in table.items():
        key = _norm(raw_key)
        targets = (value,) if isinstance(value, str) else value
        if not key or key in aliases:
            raise ValueError(f"{path}: alias {raw_key!r} is empty or repeats another alias")
        if (
            not isinstance(targets, list | tuple)
            or not targets
            or not all(isinstance(t, str) and t in known for t in targets)
        ):
            raise ValueError(f"{path}: alias {raw_key!r} must name installed IANA zones")
        aliases[key] = tuple(targets)
    return aliases


# Zones whose first part is one of these are the real places; the rest ('US/Eastern',
# 'EST5EDT', 'Etc/GMT+5', 'Japan') are backward-compatibility links.
_AREAS = frozenset({
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
})  # fmt: skip


@dataclass(frozen=True)
class _Choices:
    """One pool of search keys; targets[i] lists the zones keys[i] stands for."""

    keys: list[str]
    targets: list[tuple[str, ...]]
    by_key: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class _Index:
    places: _Choices  # aliases + the city part of each Area/City zone
    legacy: _Choices  # 'US/Eastern', 'Canada/Pacific', 'Navajo': when places find nothing
    full_names: dict[str, str]  # normalised 'europe london' -> 'Europe/London'


def _choices(pairs: Mapping[str, tuple[str, ...]]) -> _Choices:
    return _Choices(list(pairs), list(pairs.values()), dict(pairs))


_aliases_path = ALIASES_PATH


@lru_cache(maxsize=1)
def _index() -> _Index:
    aliases = load_aliases(_aliases_path)
    names = sorted(_zone_names())
    # Several zones can share a city ('America/Buenos_Aires' is a link to
    # 'America/Argentina/Buenos_Aires'); the deeper name is the current one, so it wins.
    # An alias with the same key wins over both: that is how 'kiev' reaches Europe/Kyiv.
    cities: dict[str, list[str]] = {}
    legacy: dict[str, tuple[str, ...]] = {}
    for name in names:
        area, _, rest = name.partition("/")
        if area in _AREAS and rest:
            key = _norm(rest.rsplit("/", 1)[-1])
            if key not in aliases:
                cities.setdefault(key, []).append(name)
        elif area not in {"Etc", "SystemV"} and not any(c.isdigit() for c in name):
            key = _norm(name)
            # All-capital names ('EST', 'CET', 'GB', 'PRC') are abbreviations with fixed
            # or surprising rules; the alias table maps the useful ones to real places.
            if not name.isupper() and key not in aliases:
                legacy[key] = (name,)
    places: dict[str, tuple[str, ...]] = dict(aliases)
    for key, group in cities.items():
        deepest = max(n.count("/") for n in group)
        places[key] = tuple(n for n in group if n.count("/") == deepest)
    full_names = {
        _norm(n): n for n in names if "/" in n and n.partition("/")[0] not in {"Etc", "SystemV"}
    }
    return _Index(_choices(places), _choices(legacy), full_names)


def warm_up(aliases_path: Path | None = None) -> None:
    """Build the zone index now (about 50 ms) instead of on a user's first search.

    `aliases_path`: the timezones.toml to use (the bot passes the one in its CONTENT_DIR, so an
    installed copy, e.g. in a container, finds it). Also validates that file, so calling this
    at start-up turns a bad alias into a start-up error.
    """
    global _aliases_path  # noqa: PLW0603 - one index per process, built from one file
    if aliases_path is not None and aliases_path != _aliases_path:
        _aliases_path = aliases_path
        _index.cache_clear()
    _index()


def _parse_offset(text: str) -> list[ZoneMatch] | None:
    """Offset input -> [the match], [] for an impossible offset, None if it is no offset."""
    cleaned = text.translate(_DASHES).strip().lower()
    if cleaned in {"utc", "utc0", "gmt0"}:
        return [ZoneMatch("UTC", "UTC", 100)]
    if cleaned == "gmt":
        # Britons say 'GMT' for their own clock, summer time included, so London is offered
        # second; 100 would make a client auto-pick it, 90 keeps it a suggestion.
        return [ZoneMatch("UTC", "UTC", 100), ZoneMatch("Europe/London", "Europe/London", 90)]
    match = _TYPED_OFFSET_RE.fullmatch(cleaned)
    if match is None:
        return None
    sign, hours, mins = match.groups()
    # Real offsets are whole, half or three-quarter hours; '+05:17' is a typo, not a zone.
    if mins is not None and int(mins) not in {0, 15, 30, 45}:
        return []
    minutes = (int(hours) * 60 + int(mins or 0)) * (1 if sign == "+" else -1)
    if not _MIN_OFFSET <= minutes <= _MAX_OFFSET:
        return []
    name = _offset_name(minutes)
    return [ZoneMatch(name, name, 100)]


# Place keys that are also everyday words in longer names (see _search).
_COMMON_WORDS = frozenset({
    "central", "eastern", "pacific", "mountain", "north", "south", "east", "west", "new",
    "island", "islands", "city",
})  # fmt: skip


def _search(query: str, pool: _Choices) -> list[tuple[float, str]]:
    """(score, zone) for every zone whose key scores at least MIN_SCORE, best first."""
    if len(query) < 3:
        # Two letters match half the world fuzzily; only exact keys ('uk', 'ny', 'la') count.
        targets = pool.by_key.get(query, ())
        return [(100.0, zone) for zone in targets]
    # Plain ratio for one word: forgiving of typos, but 'york' stays far from 'new york'.
    hits = [
        (score, index)
        for _, score, index in process.extract(
            query, pool.keys, scorer=fuzz.ratio, processor=None,
            score_cutoff=MIN_SCORE, limit=None,
        )
    ]  # fmt: skip
    if " " in query:
        # Several words ('paris france', 'london uk'): a key made of some of them is a good
        # match. Scaled below 100 so that an exact key still ranks first.
        # Keys that are ordinary words ('central', 'north', 'us') are left out of this part,
        # or 'Central African Republic' would land in Chicago and 'South Sudan' in Adelaide.
        hits += [
            (score * 0.95, index)
            for key, score, index in process.extract(
                query, pool.keys, scorer=fuzz.token_set_ratio, processor=None,
                score_cutoff=MIN_SCORE / 0.95, limit=None,
            )
            if len(key) > 2 and key not in _COMMON_WORDS
        ]  # fmt: skip
    # Ties keep the pool order, where aliases come before zone cities.
    hits.sort(key=lambda hit: (-hit[0], hit[1]))
    return [(score, zone) for score, index in hits for zone in pool.targets[index]]


def resolve_zone(text: str, *, limit: int = 3) -> list[ZoneMatch]:
    """What the user typed -> up to `limit` candidate zones, best first; [] if none is plausible.

    Offsets ('UTC+2', 'utc +2', 'GMT-5', '+05:30', 'UTC+5:45', 'UTC') give one exact match
    named 'UTC+02:00' style, or [] when outside -12..+14 or not on a quarter hour. A full IANA
    name gives itself. Anything else is matched against the city part of the Area/City zones
    and the alias table, fuzzily: a match needs a score of MIN_SCORE; a key of fewer than
    three letters must match exactly. Legacy names ('US/Eastern', 'Navajo') are searched only
    when nothing else matches, and 'Etc/*' and abbreviations like 'EST' never (their fixed
    offsets ignore DST; 'Etc/GMT+5' even means UTC-5).
    An alias listing several zones ('usa') yields them all with the same score, in order.
    """
    if limit <= 0:
        return []
    offset = _parse_offset(text)
    if offset is not None:
        return offset[:limit]
    query = _norm(text)
    if not query:
        return []
    index = _index()
    if query in index.full_names:
        name = index.full_names[query]
        return [ZoneMatch(name, name, 100)]
    found = _search(query, index.places) or _search(query, index.legacy)
    best: dict[str, int] = {}
    for score, zone in found:
        # `found` is sorted, so the first score seen for a zone is its best one and dict
        # order is the ranking.
        best.setdefault(zone, round(score))
    return [ZoneMatch(zone, zone, score) for zone, score in list(best.items())[:limit]]


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

    kind 'bedtime': every day at `local_time` in `zone` (`weekdays` and `lead_minutes` are
    ignored). kind 'preswim': `local_time` is the swim time; on each local date whose weekday
    is in the `weekdays` bitmask (bit 0 = Monday) it fires `lead_minutes` before that swim.
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
        lead, weekdays = 0, ALL_DAYS
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
