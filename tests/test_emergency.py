"""Which emergency number a warning screen names: the time zone when known, else the language
the person chose with /language, else their Telegram language (content/emergency_numbers.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.emergency import EmergencyNumbers

NUMBERS = EmergencyNumbers.load(
    Path(__file__).resolve().parent.parent / "content" / "emergency_numbers.toml"
)


@pytest.mark.parametrize(
    ("zone", "chosen", "code", "number"),
    [
        (None, None, "en-gb", "999"),  # nothing chosen: the Telegram code, region and all
        (None, "en", "en-gb", "999"),  # chose their own Telegram language: the same
        (None, "es", "en-gb", None),  # chose Spanish: Spanish's pick (no one country)
        (None, "es", "en-us", None),
        (None, "zh", "en", "120"),  # chose Chinese
        (None, "ru", "en-us", "112 / 103"),
        (None, "en", "ru", None),  # chose English: English's pick, not Russia's
        (None, "zh", "zh-hant", None),  # Taiwan, Hong Kong: not mainland China's 120
        (None, "zh", "zh-hans", "120"),
        (None, "es", None, None),
        (None, "ru", None, "112 / 103"),
        ("Europe/Moscow", "es", "en-gb", "103 / 112"),  # the time zone comes first
        ("America/New_York", "zh", "zh", "911"),
        (None, None, None, None),
    ],
)
def test_the_number_follows_the_zone_then_the_chosen_language(
    zone: str | None, chosen: str | None, code: str | None, number: str | None
) -> None:
    assert NUMBERS.for_person(zone, chosen, code) == number
