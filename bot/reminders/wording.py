"""Dates, times, days and durations in the person's words and language. Pure.

Every date and time a reminder screen shows is written by `moment` (Babel, in the Babel
locale the language's reminders.toml names), and the words around it ("tonight at 22:30",
"tomorrow at 06:15", "Wed at 06:15") come from that same file, so a new language brings its
own words and Babel writes its dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from functools import lru_cache

from babel.dates import format_skeleton

from bot.content import ReminderTexts
from bot.reminders.schedule import ALL_DAYS
from bot.text_schema import uses

uses(
    __name__, "reminders.toml", "texts",
    """when_tonight(time) when_today(time) when_tomorrow(time) when_week(day,time)
    when_later(day,time) days_every days_weekdays days_weekends days_some(days)
    duration_minutes(minutes) duration_hours(hours) duration_hours_minutes(hours,minutes)""",
)  # fmt: skip

WEEKDAYS = 0b0011111
WEEKENDS = 0b1100000
# From this local hour on, a time later today reads "tonight".
EVENING_HOUR = 18


class Form(StrEnum):
    """How `moment` writes a datetime (CLDR skeletons, so each language orders them its way)."""

    TIME = "Hm"  # 22:30
    WEEKDAY = "EEE"  # Wed
    DAY = "MMMEd"  # Wed 26 Nov
    DATE = "yMMMEd"  # Wed 26 Nov 2026


def moment(locale: str, value: datetime | date | time, form: Form) -> str:
    """The one place that writes a date or a time for a person: Babel, in `locale` (the
    language's [wording] babel_locale)."""
    return format_skeleton(form.value, value, locale=locale)


def clock(texts: ReminderTexts, hour: int, minute: int) -> str:
    """A wall time ('06:15') in the language's way."""
    return _clock(texts.babel_locale, hour, minute)


@lru_cache(maxsize=4096)
def _clock(locale: str, hour: int, minute: int) -> str:
    # Every reminder message names its time: Babel's ~50 us a call, once per time and
    # language, keeps a 100,000-reminder fan-out at full speed.
    return moment(locale, time(hour, minute), Form.TIME)


def when(texts: ReminderTexts, fire: datetime, now: datetime) -> str:
    """'tonight at 22:30', 'today at 09:00', 'tomorrow at 06:15', 'Wed at 06:15', 'Wed 9 Dec
    at 06:15': a send time in the words a person uses. Both in the person's zone."""
    t, locale = texts.texts, texts.babel_locale
    at = moment(locale, fire, Form.TIME)
    ahead = (fire.date() - now.date()).days
    if ahead == 0:
        key = "when_tonight" if fire.hour >= EVENING_HOUR else "when_today"
        return t[key].format(time=at)
    if ahead == 1:
        return t["when_tomorrow"].format(time=at)
    if 1 < ahead < 7:
        return t["when_week"].format(day=moment(locale, fire, Form.WEEKDAY), time=at)
    return t["when_later"].format(day=moment(locale, fire, Form.DAY), time=at)


def day_names(texts: ReminderTexts, days: int) -> str:
    """'Mon, Wed, Fri' (the short names of content, Monday first)."""
    return ", ".join(n for i, n in enumerate(texts.weekdays) if days >> i & 1)


def days_phrase(texts: ReminderTexts, days: int) -> str:
    """'every day', 'on weekdays', 'at weekends', 'every Mon, Wed, Fri'."""
    t = texts.texts
    if days == ALL_DAYS:
        return t["days_every"]
    if days == WEEKDAYS:
        return t["days_weekdays"]
    if days == WEEKENDS:
        return t["days_weekends"]
    return t["days_some"].format(days=day_names(texts, days))


def duration(texts: ReminderTexts, minutes: int) -> str:
    """'45 min', '1 h', '1 h 30 min': one way everywhere, buttons and confirmations alike."""
    hours, mins = divmod(minutes, 60)
    t = texts.texts
    if not hours:
        return t["duration_minutes"].format(minutes=mins)
    if not mins:
        return t["duration_hours"].format(hours=hours)
    return t["duration_hours_minutes"].format(hours=hours, minutes=mins)


def local(fire_utc: float, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(fire_utc, zone)


def minus(hour: int, minute: int, lead: int) -> tuple[int, int]:
    """The wall time `lead` minutes before hour:minute (for "comes at 06:15")."""
    total = (hour * 60 + minute - lead) % (24 * 60)
    return divmod(total, 60)
