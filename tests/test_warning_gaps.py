"""Kinds of warning-sign misses the keyword lists cannot fix, read by the detector's code in
each language where they apply: clock hours without minutes, ages and pregnancy weeks beside
a number, a medicine's own years. Messages written here, not taken from the evaluation set."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.warning_signs import WarningDetector
from tests.conftest import shared_locales


def detector(lang: str) -> WarningDetector:
    return shared_locales(PROJECT_ROOT / "content", "en")[lang].router.detector


def signs(lang: str, text: str) -> set[str]:
    return {w.sign for w in detector(lang).detect(text)}


@pytest.mark.parametrize(
    ("lang", "text", "long"),
    [
        # From one clock hour to another, an hour written bare after "a las", "в", "сейчас".
        ("es", "me dio un calambre a las 3 de la madrugada y ya son las 4", True),
        ("es", "el calambre empezó a las 2 y son las 2 y media, sigue igual", True),
        ("es", "calambre a las tres, ahora son las cuatro menos cuarto", True),
        ("es", "a las 11 de la noche empezó el tirón y son las 2", True),  # round the dial
        ("es", "me dio a las 5 y a las 5 y 5 ya se me había pasado", False),  # five minutes
        ("es", "calambre en las 2 piernas a las 5", False),  # two legs, one clock time
        ("ru", "ногу свело в 3 ночи, сейчас 4, так и держит", True),
        ("ru", "судорога началась в 2 часа ночи, а сейчас уже 3", True),
        ("ru", "в 3 раза чаще стало сводить, в 2 ночи опять", False),  # three times, not 3am
        ("en", "my calf cramped at 2am and it's 2:35", True),  # as before
        ("en", "it started at 10:03, it's 10:05 and it's gone", False),
        ("en", "calf cramped at 6, its now 6:12 and still tight", True),  # a bare hour after "at"
        ("en", "woke at 3 with a cramp, gone by 3:05", False),
    ],
)
def test_two_clock_hours_far_apart_are_a_long_cramp(lang: str, text: str, long: bool) -> None:
    assert ("long_cramp" in signs(lang, text)) is long, text


@pytest.mark.parametrize(
    ("lang", "text", "frequent"),
    [
        # The cramps' months stay theirs when a medicine is named in another sentence.
        ("en", "i take blood pressure pills. i have had cramps for 3 months", True),
        ("en", "ive had cramps for 3 months, i take statins", True),
        ("en", "on the same statin for 10 years, cramps are rare", False),  # its own years
        ("es", "tomo estatinas desde hace 5 años y casi nunca calambres", False),
        ("ru", "пью статины 5 лет, судороги редко", False),
    ],
)
def test_a_medicine_takes_only_its_own_years(lang: str, text: str, frequent: bool) -> None:
    assert ("frequent" in signs(lang, text)) is frequent, text


@pytest.mark.parametrize(
    ("lang", "text", "frequent"),
    [
        # How old someone is, or how far a pregnancy has gone, is not how long cramps last.
        ("es", "mi hijo de 8 años tiene calambres, es normal?", False),
        ("es", "tengo 70 años y a veces calambres", False),
        ("es", "embarazada de 20 semanas y me dio un calambre", False),
        ("es", "calambres durante 5 semanas", True),
        ("ru", "у дочки 9 лет сводит ножки иногда", False),
        ("ru", "судороги 3 недели", True),
        ("en", "30 weeks pregnant and a calf cramp last night", False),
        ("en", "pregnant 20 weeks, is it safe to stretch when I get a leg cramp", False),
        ("en", "pregnant, cramps for 5 weeks", True),  # the cramps' weeks
        ("zh", "怀孕30周 晚上小腿抽筋", False),
    ],
)
def test_ages_and_pregnancy_weeks_are_not_periods(lang: str, text: str, frequent: bool) -> None:
    assert ("frequent" in signs(lang, text)) is frequent, text


def test_pregnancy_and_a_sign_stays_a_sign() -> None:
    assert "clot_leg" in signs("es", "embarazada de 20 semanas, la pantorrilla hinchada y roja")
    assert "clot_leg" in signs("en", "30 weeks pregnant and my calf is swollen and red")
