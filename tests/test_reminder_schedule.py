"""bot.reminders.schedule: time parsing and next fire times, DST edges included.

Dates are 2026 unless a test says otherwise. Europe/London changes at 01:00 UTC: clocks jump
01:00 -> 02:00 on 29 March and fall back 02:00 -> 01:00 on 25 October. Europe/Berlin jumps
02:00 -> 03:00 the same day; America/New_York on 8 March and 1 November.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.schedule import (
    ALL_DAYS,
    format_time,
    local_now,
    next_fire_utc,
    parse_time,
    shift_time,
    zone_from_name,
)

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY, THURSDAY = 1 << 0, 1 << 3


def utc(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def at(zone: tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """Unix seconds for an unambiguous local wall time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=zone).timestamp())


def wall(ts: int, zone: tzinfo) -> tuple[date, int, int]:
    local = datetime.fromtimestamp(ts, zone)
    return local.date(), local.hour, local.minute


def offset_hours(ts: int, zone: tzinfo) -> float:
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return offset / timedelta(hours=1)


def fire(kind: str, hm: tuple[int, int], zone: tzinfo, after: int, **kw: object) -> int:
    """next_fire_utc for cases that must fire."""
    result = next_fire_utc(kind, hm, zone, after, **kw)  # type: ignore[arg-type]
    assert result is not None
    return result


# --- parse_time, format_time, shift_time ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:30", (22, 30)),
        ("22.30", (22, 30)),
        ("22h30", (22, 30)),
        ("2230", (22, 30)),
        ("730", (7, 30)),
        ("0:05", (0, 5)),
        ("10:30pm", (22, 30)),
        ("10:30 PM", (22, 30)),
        ("10 p.m.", (22, 0)),
        ("10pm", (22, 0)),
        ("7am", (7, 0)),
        ("7 AM", (7, 0)),
        ("7", (7, 0)),
        ("07", (7, 0)),
        ("23", (23, 0)),
        ("12am", (0, 0)),
        ("12:30am", (0, 30)),
        ("12pm", (12, 0)),
        ("12:45 pm", (12, 45)),
        ("noon", (12, 0)),
        ("Midnight", (0, 0)),
        ("  22:30  ", (22, 30)),
        ("22:30!", (22, 30)),
        ("(7am)", (7, 0)),
        ('"21:15".', (21, 15)),
    ],
)
def test_parse_time_accepts(text: str, expected: tuple[int, int]) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "25:00",
        "24:00",
        "10:75",
        "13pm",
        "0am",
        "00:30am",
        "tomorrow",
        "at 7",
        "7:3",
        "22:30:00",
        "123456",
        "-7",
        "+2",
        "10a",
        "pm",
        "٢٢:٣٠",  # Arabic-Indic digits: \d would take them, [0-9] does not
    ],
)
def test_parse_time_rejects(text: str) -> None:
    assert parse_time(text) is None


def test_format_time_pads_and_rejects_out_of_range() -> None:
    assert format_time(7, 5) == "07:05"
    assert format_time(0, 0) == "00:00"
    assert format_time(23, 59) == "23:59"
    with pytest.raises(ValueError, match="not a time"):
        format_time(24, 0)


@pytest.mark.parametrize(
    ("hour", "minute", "delta", "expected"),
    [
        (22, 0, -30, (21, 30)),
        (23, 50, 20, (0, 10)),
        (0, 15, -30, (23, 45)),
        (12, 0, 24 * 60, (12, 0)),
        (1, 0, -3 * 24 * 60 - 61, (23, 59)),
        (6, 0, 0, (6, 0)),
    ],
)
def test_shift_time_wraps_around_midnight(
    hour: int, minute: int, delta: int, expected: tuple[int, int]
) -> None:
    assert shift_time(hour, minute, delta) == expected


# --- zone_from_name ---------------------------------------------------------------------


def test_zone_from_name_iana() -> None:
    zone = zone_from_name("Europe/London")
    assert isinstance(zone, ZoneInfo)
    assert zone.key == "Europe/London"


@pytest.mark.parametrize(
    ("name", "minutes"),
    [("UTC", 0), ("UTC+05:30", 330), ("UTC-03:00", -180), ("UTC+14:00", 840), ("UTC-12:00", -720)],
)
def test_zone_from_name_fixed_offsets(name: str, minutes: int) -> None:
    zone = zone_from_name(name)
    assert isinstance(zone, timezone)
    assert zone.utcoffset(None) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus_Mons",
        "europe/london",  # case matters: stored names come from our own search
        "London",
        "localtime",  # on disk, but it is the host's zone, not a place
        "UTC+15:00",
        "UTC-12:30",
        "UTC+05:75",
        "UTC+5",
        "UTC+05:30 ",
        "../../etc/passwd",
    ],
)
def test_zone_from_name_rejects_junk(name: str) -> None:
    with pytest.raises(ValueError, match=r"time zone|offset"):
        zone_from_name(name)


# --- local_now ----------------------------------------------------------------------------


def test_local_now_is_aware_local_time() -> None:
    summer = local_now(LONDON, utc(2026, 7, 1, 12, 0))
    assert (summer.hour, summer.utcoffset()) == (13, timedelta(hours=1))
    winter = local_now(zone_from_name("UTC+05:30"), utc(2026, 1, 1, 20, 0))
    assert (winter.date(), winter.hour, winter.minute) == (date(2026, 1, 2), 1, 30)


# --- next_fire_utc: bedtime and DST ------------------------------------------------------


def daily_fires(zone: tzinfo, hm: tuple[int, int], after: int, count: int) -> list[int]:
    fires: list[int] = []
    for _ in range(count):
        after = fire("bedtime", hm, zone, after)
        fires.append(after)
    return fires


@pytest.mark.parametrize(
    ("zone", "change_day", "offsets", "change_hours"),
    [
        (LONDON, date(2026, 3, 29), (0, 1), 23),
        (LONDON, date(2026, 10, 25), (1, 0), 25),
        (NEW_YORK, date(2026, 3, 8), (-5, -4), 23),
        (NEW_YORK, date(2026, 11, 1), (-4, -5), 25),
    ],
)
def test_bedtime_keeps_wall_time_across_dst(
    zone: tzinfo, change_day: date, offsets: tuple[float, float], change_hours: int
) -> None:
    first_day = change_day - timedelta(days=2)
    start = at(zone, first_day.year, first_day.month, first_day.day, 12, 0)
    fires = daily_fires(zone, (22, 0), start, 4)
    assert [wall(f, zone) for f in fires] == [
        (first_day + timedelta(days=i), 22, 0) for i in range(4)
    ]
    # Same wall time, different UTC offset: the change happened between the 2nd and 3rd.
    assert (offset_hours(fires[0], zone), offset_hours(fires[-1], zone)) == offsets
    assert [(b - a) // 3600 for a, b in itertools.pairwise(fires)] == [
        24,
        change_hours,
        24,
    ]


def test_bedtime_is_strictly_after() -> None:
    ten_pm = at(LONDON, 2026, 6, 10, 22, 0)
    assert fire("bedtime", (22, 0), LONDON, ten_pm - 1) == ten_pm
    assert fire("bedtime", (22, 0), LONDON, ten_pm) == ten_pm + 24 * 3600
    assert fire("bedtime", (22, 0), LONDON, ten_pm + 1) == ten_pm + 24 * 3600


@pytest.mark.parametrize(
    ("zone", "hm", "day", "expected_wall", "expected_utc"),
    [
        # London's gap is 01:00-02:00: 01:30 does not exist, the gap ends at 02:00 BST.
        (LONDON, (1, 30), date(2026, 3, 29), (2, 0), utc(2026, 3, 29, 1, 0)),
        (LONDON, (1, 0), date(2026, 3, 29), (2, 0), utc(2026, 3, 29, 1, 0)),
        # Berlin's gap is 02:00-03:00.
        (BERLIN, (2, 30), date(2026, 3, 29), (3, 0), utc(2026, 3, 29, 1, 0)),
        (NEW_YORK, (2, 30), date(2026, 3, 8), (3, 0), utc(2026, 3, 8, 7, 0)),
        # Lord Howe moves by half an hour: 02:00-02:30 is missing.
        (ZoneInfo("Australia/Lord_Howe"), (2, 15), date(2026, 10, 4), (2, 30), None),
    ],
)
def test_gap_time_fires_once_at_the_end_of_the_gap(
    zone: tzinfo,
    hm: tuple[int, int],
    day: date,
    expected_wall: tuple[int, int],
    expected_utc: int | None,
) -> None:
    day_before = at(zone, day.year, day.month, day.day - 1, 12, 0)
    gap_fire = fire("bedtime", hm, zone, day_before)
    assert wall(gap_fire, zone) == (day, *expected_wall)
    if expected_utc is not None:
        assert gap_fire == expected_utc
    # The clock changed exactly at the fire: one second earlier it read before the gap.
    assert offset_hours(gap_fire - 1, zone) < offset_hours(gap_fire, zone)
    # Once that day: the next fire is the real wall time on the following day.
    assert wall(fire("bedtime", hm, zone, gap_fire), zone) == (day + timedelta(days=1), *hm)


def test_repeated_time_fires_once_at_the_first_occurrence() -> None:
    first = utc(2026, 10, 25, 0, 30)  # 01:30 BST; 01:30 GMT follows an hour later
    second = utc(2026, 10, 25, 1, 30)
    assert wall(first, LONDON) == wall(second, LONDON) == (date(2026, 10, 25), 1, 30)

    assert fire("bedtime", (1, 30), LONDON, utc(2026, 10, 24, 12, 0)) == first
    next_day = at(LONDON, 2026, 10, 26, 1, 30)
    assert fire("bedtime", (1, 30), LONDON, first) == next_day
    # Between the two occurrences, and right at the second: still only the next day.
    assert fire("bedtime", (1, 30), LONDON, first + 1800) == next_day
    assert fire("bedtime", (1, 30), LONDON, second) == next_day


def test_fixed_offset_zone() -> None:
    zone = zone_from_name("UTC+05:30")
    assert fire("bedtime", (22, 0), zone, utc(2026, 3, 29, 0, 0)) == utc(2026, 3, 29, 16, 30)
    # No DST: the same UTC time every day of the year.
    fires = daily_fires(zone, (22, 0), utc(2026, 1, 1, 0, 0), 365)
    assert {b - a for a, b in itertools.pairwise(fires)} == {24 * 3600}


# --- next_fire_utc: preswim and swim_once ------------------------------------------------


def test_preswim_fires_only_on_swim_days() -> None:
    swim_days = MONDAY | THURSDAY
    tuesday = at(LONDON, 2026, 6, 9, 12, 0)
    thursday = fire("preswim", (18, 0), LONDON, tuesday, weekdays=swim_days, lead_minutes=60)
    assert wall(thursday, LONDON) == (date(2026, 6, 11), 17, 0)
    monday = fire("preswim", (18, 0), LONDON, thursday, weekdays=swim_days, lead_minutes=60)
    assert wall(monday, LONDON) == (date(2026, 6, 15), 17, 0)
    assert date(2026, 6, 15).weekday() == 0


def test_preswim_lead_crosses_midnight_to_the_day_before_the_swim() -> None:
    saturday = at(LONDON, 2026, 6, 13, 12, 0)
    reminder = fire("preswim", (0, 15), LONDON, saturday, weekdays=MONDAY, lead_minutes=30)
    # The swim is Monday 00:15, so the reminder is Sunday 23:45, though Sunday is no swim day.
    assert wall(reminder, LONDON) == (date(2026, 6, 14), 23, 45)
    # Just before 23:45 it still points at that reminder; from then on, at next week's.
    just_before = fire("preswim", (0, 15), LONDON, reminder - 60, weekdays=MONDAY, lead_minutes=30)
    assert just_before == reminder
    following = fire("preswim", (0, 15), LONDON, reminder, weekdays=MONDAY, lead_minutes=30)
    assert following - reminder == 7 * 24 * 3600


def test_preswim_lead_is_elapsed_time_across_a_dst_change() -> None:
    # Sunday 29 March, 03:30 CEST swim = 01:30 UTC; two hours earlier is 23:30 UTC, which
    # is 00:30 CET on the wall: three wall-clock hours, two real ones.
    sunday = 1 << 6
    reminder = fire(
        "preswim", (3, 30), BERLIN, utc(2026, 3, 27, 0, 0), weekdays=sunday, lead_minutes=120
    )
    assert reminder == utc(2026, 3, 28, 23, 30)
    assert wall(reminder, BERLIN) == (date(2026, 3, 29), 0, 30)


def test_preswim_with_no_swim_days_never_fires() -> None:
    assert next_fire_utc("preswim", (18, 0), LONDON, utc(2026, 6, 1, 0, 0), weekdays=0) is None


def test_swim_once_future_and_past() -> None:
    swim_day = date(2026, 7, 4)
    expected = at(NEW_YORK, 2026, 7, 4, 9, 15)  # 09:45 swim, 30 minutes' lead

    def once(after: int) -> int | None:
        return next_fire_utc(
            "swim_once", (9, 45), NEW_YORK, after, lead_minutes=30, once_date=swim_day
        )

    assert once(utc(2026, 7, 1, 0, 0)) == expected
    assert once(expected - 1) == expected
    assert once(expected) is None
    assert once(utc(2027, 1, 1, 0, 0)) is None


def test_swim_once_in_a_gap_uses_the_same_rule() -> None:
    result = next_fire_utc(
        "swim_once", (2, 30), BERLIN, utc(2026, 3, 1, 0, 0), once_date=date(2026, 3, 29)
    )
    assert result == utc(2026, 3, 29, 1, 0)  # 03:00 CEST


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: next_fire_utc("nap", (22, 0), LONDON, 0), "unknown reminder kind"),
        (lambda: next_fire_utc("bedtime", (24, 0), LONDON, 0), "not a time"),
        (lambda: next_fire_utc("bedtime", (22, 60), LONDON, 0), "not a time"),
        (lambda: next_fire_utc("preswim", (9, 0), LONDON, 0, lead_minutes=-5), "lead_minutes"),
        (lambda: next_fire_utc("preswim", (9, 0), LONDON, 0, lead_minutes=1441), "lead_minutes"),
        (lambda: next_fire_utc("preswim", (9, 0), LONDON, 0, weekdays=ALL_DAYS + 1), "weekdays"),
        (lambda: next_fire_utc("preswim", (9, 0), LONDON, 0, weekdays=-1), "weekdays"),
        (lambda: next_fire_utc("swim_once", (9, 0), LONDON, 0), "once_date"),
    ],
)
def test_next_fire_rejects_bad_arguments(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_skipped_local_date_still_fires_once() -> None:
    # Samoa jumped from 29 December 2011 straight to the 31st. The 30th's 22:00 never
    # existed, so by the gap rule it fires when the gap ends, at 00:00 on the 31st; the
    # search stays bounded and the 31st's own 22:00 follows.
    apia = ZoneInfo("Pacific/Apia")
    fires = daily_fires(apia, (22, 0), at(apia, 2011, 12, 28, 23, 0), 3)
    assert [wall(f, apia) for f in fires] == [
        (date(2011, 12, 29), 22, 0),
        (date(2011, 12, 31), 0, 0),
        (date(2011, 12, 31), 22, 0),
    ]


# --- a year of days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone_name",
    [
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "America/Santiago",  # changes at midnight
        "Asia/Kolkata",
    ],
)
# 23:30 repeats in Santiago's midnight fall-back; 00:00 is missing in its spring-forward.
@pytest.mark.parametrize("hm", [(22, 0), (23, 30), (0, 0), (1, 30), (2, 15), (2, 30)])
def test_a_year_of_daily_fires(zone_name: str, hm: tuple[int, int]) -> None:
    zone = ZoneInfo(zone_name)
    fires = daily_fires(zone, hm, utc(2026, 1, 1, 0, 0), 366)
    previous_day: date | None = None
    for before, current in zip([None, *fires], fires, strict=False):
        day, hour, minute = wall(current, zone)
        if before is not None:
            assert 23 * 3600 <= current - before <= 25 * 3600, (zone_name, hm, day)
        if previous_day is not None:
            assert day == previous_day + timedelta(days=1), (zone_name, hm, day)
        previous_day = day
        if (hour, minute) != hm:
            # Only allowed in a spring-forward gap: a clock change exactly at the fire, from
            # before the wanted wall time to after it.
            before_gap = local_now(zone, current - 1)
            assert before_gap.utcoffset() != local_now(zone, current).utcoffset()
            assert (
                (before_gap.date(), before_gap.hour, before_gap.minute)
                < (day, *hm)
                < (day, hour, minute)
            ), (zone_name, day)


def test_a_year_of_swim_days() -> None:
    after = utc(2026, 1, 1, 0, 0)  # a Thursday
    reminders: list[int] = []
    for _ in range(104):
        after = fire("preswim", (7, 0), LONDON, after, weekdays=MONDAY | THURSDAY, lead_minutes=45)
        reminders.append(after)
    swims = [wall(r + 45 * 60, LONDON) for r in reminders]
    assert all((hour, minute) == (7, 0) for _, hour, minute in swims)
    assert [day.weekday() for day, _, _ in swims[:4]] == [3, 0, 3, 0]
    days = [day for day, _, _ in swims]
    assert {(b - a).days for a, b in itertools.pairwise(days)} == {3, 4}
    assert days[-1] == date(2026, 12, 28)
