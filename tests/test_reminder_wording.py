"""bot.reminders.wording: dates, times, days and durations in the person's words (Babel)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from bot.config import PROJECT_ROOT
from bot.content import ReminderTexts, load_content
from bot.reminders import wording
from bot.reminders.wording import Form

LISBON = ZoneInfo("Europe/Lisbon")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=LISBON)  # a Tuesday


@cache
def texts() -> ReminderTexts:
    reminders = load_content(PROJECT_ROOT / "content", "en").reminders
    assert reminders is not None
    return reminders


@pytest.mark.parametrize(
    ("fire", "said"),
    [
        (datetime(2026, 11, 24, 22, 30, tzinfo=LISBON), "tonight at 22:30"),
        (datetime(2026, 11, 24, 13, 0, tzinfo=LISBON), "today at 13:00"),
        (datetime(2026, 11, 25, 6, 15, tzinfo=LISBON), "tomorrow at 06:15"),
        (datetime(2026, 11, 27, 9, 51, tzinfo=LISBON), "Fri at 09:51"),
        (datetime(2026, 12, 9, 7, 0, tzinfo=LISBON), "Wed 9 Dec at 07:00"),
    ],
)
def test_when_in_the_words_a_person_uses(fire: datetime, said: str) -> None:
    assert wording.when(texts(), fire, NOW) == said


@pytest.mark.parametrize(("minutes", "said"), [(15, "15 min"), (45, "45 min"), (60, "1 h"),
                                               (90, "1 h 30 min"), (120, "2 h")])  # fmt: skip
def test_one_way_to_say_a_duration(minutes: int, said: str) -> None:
    assert wording.duration(texts(), minutes) == said


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (127, "every day"),
        (31, "on weekdays"),
        (96, "at weekends"),
        (0b10101, "every Mon, Wed, Fri"),
    ],
)
def test_days(days: int, said: str) -> None:
    assert wording.days_phrase(texts(), days) == said


def test_a_language_brings_its_own_date_and_time_forms() -> None:
    day = date(2026, 11, 26)
    assert wording.moment("en_GB", day, Form.DAY) == "Thu 26 Nov"
    assert wording.moment("ru", day, Form.DAY) != wording.moment("en_GB", day, Form.DAY)
    assert wording.moment("zh", time(6, 15), Form.TIME) == "06:15"
    russian = replace(texts(), babel_locale="ru")
    assert wording.clock(russian, 22, 30) == "22:30"


def test_the_send_time_wraps_around_midnight() -> None:
    assert wording.minus(0, 15, 30) == (23, 45)
    assert wording.minus(7, 0, 45) == (6, 15)
