"""Dates and times in the person's language: the one place that formats them (Babel, CLDR).
Pure."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton

Style = Literal["day", "weekday", "day_weekday", "full", "time", "when"]

# CLDR skeletons: each locale orders and spells them its own way ("Nov 30", "30. Nov.").
SKELETONS: dict[str, str] = {
    "day": "MMMd",
    "weekday": "E",
    "day_weekday": "MMMEd",
    "full": "yMMMd",
    "time": "Hm",
}


@cache
def babel_locale(language: str) -> Locale:
    """The Babel locale for a content language code ('en', 'pt-br'); English when unknown."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_date(value: date | datetime, language: str, style: Style = "day") -> str:
    if style in ("time", "when") and not isinstance(value, datetime):
        raise ValueError(f"style {style!r} needs a datetime")
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)  # noqa: DTZ001
    locale = babel_locale(language)
    if style == "when":  # the day and the time, joined the locale's way ("{1}, {0}")
        day = format_skeleton(SKELETONS["day_weekday"], moment, locale=locale)
        clock = format_skeleton(SKELETONS["time"], moment, locale=locale)
        return str(locale.datetime_formats["short"]).format(clock, day)
    return str(format_skeleton(SKELETONS[style], moment, locale=locale))
