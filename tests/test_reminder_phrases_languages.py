"""bot.reminders.phrases in Chinese, Russian and Spanish: each language's tuning table
(tests/data/reminder_phrases_<lang>_tune.tsv, one row per form the parser reads) read exactly,
and each rule checked in every language: a time is no lead, a list-only day form is no day on
its own, the part of the day decides a.m./p.m., compound numbers come from content words."""

from __future__ import annotations

from functools import cache

import pytest

from bot.config import PROJECT_ROOT
from bot.content import Content, load_content
from bot.reminders import phrases
from tests.reminder_tables import NOW, parsed, rows

LANGUAGES = ("en", "zh", "ru", "es")


@cache
def content(lang: str) -> Content:
    return load_content(PROJECT_ROOT / "content", lang)


def read(lang: str, text: str) -> phrases.Request:
    return phrases.parse(text, phrases.vocabulary(content(lang)), NOW.date())


TABLES = {lang: rows(f"reminder_phrases_{lang}_tune.tsv") for lang in ("zh", "ru", "es")}
CASES = [(lang, text, expected) for lang, table in TABLES.items() for text, expected in table]


def test_each_language_has_a_tuning_table() -> None:
    for table in TABLES.values():
        assert len(table) >= 15
        assert len({text for text, _ in table}) == len(table)


@pytest.mark.parametrize(("lang", "text", "expected"), CASES, ids=[t for _, t, _ in CASES])
def test_tuning_tables(lang: str, text: str, expected: dict[str, object]) -> None:
    assert parsed(content(lang), text) == expected


# A number with an hour word after a [parser] not_lead word is a time (or nothing), never a lead.
@pytest.mark.parametrize(
    ("lang", "text", "at"),
    [
        ("en", "swim for 2 hours at 7am, remind me", (7, 0)),
        ("en", "swim reminder in 3 hours", None),
        ("zh", "游泳提醒7点15分", (7, 15)),
        ("ru", "напомни о плавании в 6 часов утра", (6, 0)),
        ("ru", "плавание в 19 часов", (19, 0)),
        ("es", "recordatorio de natación en una hora", None),
    ],
)
def test_a_time_is_no_lead(lang: str, text: str, at: tuple[int, int] | None) -> None:
    request = read(lang, text)
    assert request.action is phrases.Action.CREATE
    assert request.lead is None
    assert request.at == at


# A list-only day form ([parser] list_days) is a day in a list, and alone it is something else.
@pytest.mark.parametrize(
    ("lang", "listed", "alone"),
    [
        ("en", "swim reminder mon we fri 7am", "we swim at 7am, remind me"),
        ("zh", "游泳提醒周二四7点", "游泳提醒四点"),
        ("es", "recordatorio de natación lu/mi/vi a las 7", "recuérdame mi natación a las 7"),
    ],
)
def test_list_only_day_forms(lang: str, listed: str, alone: str) -> None:
    assert read(lang, listed).days not in (None, 0)
    assert bin(read(lang, listed).days or 0).count("1") >= 2
    assert read(lang, alone).days is None


def test_russian_abbreviations_are_days_on_their_own() -> None:
    assert read("ru", "плавание пн 7:00").days == 1
    assert read("ru", "плавание вт чт 7:00").days == 0b1010


# The part of the day: night 12 is midnight and 1-4 the small hours; 5 at night is asked.
@pytest.mark.parametrize(
    ("lang", "text", "at"),
    [
        ("en", "remind me to stretch every night at 1", (1, 0)),
        ("en", "swim reminder at 5 at night", None),
        ("zh", "睡前提醒晚上12点", (0, 0)),
        ("zh", "睡前提醒夜里1点", (1, 0)),
        ("zh", "游泳提醒中午11点", (11, 0)),
        ("zh", "游泳提醒晚上8点", (20, 0)),
        ("ru", "напомни о растяжке в 12 ночи", (0, 0)),
        ("ru", "плавание в 3 дня", (15, 0)),
        ("es", "recuérdame estirar a la una de la noche", (1, 0)),
        ("es", "recordatorio de natación a las cinco de la noche", None),
    ],
)
def test_the_part_of_the_day_decides(lang: str, text: str, at: tuple[int, int] | None) -> None:
    assert read(lang, text).at == at


# Spoken times in each language's own order.
@pytest.mark.parametrize(
    ("lang", "text", "at"),
    [
        ("en", "swim reminder half past 7", (7, 30)),
        ("en", "swim reminder quarter to 8", (7, 45)),
        ("en", "swim reminder 5 to 7", None),  # a range in digits, not 6:55
        ("zh", "游泳提醒七点半", (7, 30)),
        ("zh", "游泳提醒十一点一刻", (11, 15)),
        ("ru", "плавание без пяти восемь утра", (7, 55)),
        ("ru", "плавание в половине первого дня", (12, 30)),
        ("es", "recordatorio de natación a las nueve menos cuarto", (8, 45)),
        ("es", "recordatorio de natación a las ocho y veinticinco", (8, 25)),
    ],
)
def test_spoken_times(lang: str, text: str, at: tuple[int, int] | None) -> None:
    assert read(lang, text).at == at


# Compound numbers are a rule over content words (tens, [parser] number_and, units), not fused
# keys or placeholder values: every number word is a real number.
@pytest.mark.parametrize(
    ("lang", "text", "minutes"),
    [
        ("en", "forty five minutes", 45),
        ("en", "forty-five min", 45),
        ("zh", "二十五分钟", 25),
        ("ru", "сорок пять минут", 45),
        ("ru", "двадцать пять минут", 25),
        ("es", "cuarenta y cinco minutos", 45),
        ("es", "treinta y cinco minutos", 35),
        ("es", "veinte minutos", 20),
        ("es", "media hora", 30),
        ("ru", "час", 60),  # a unit alone, as the answer to "how long before"
        ("es", "hora", 60),
    ],
)
def test_compound_numbers(lang: str, text: str, minutes: int) -> None:
    assert phrases.duration_of(text, phrases.vocabulary(content(lang))) == minutes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_number_words_are_numbers(lang: str) -> None:
    vocab = phrases.vocabulary(content(lang))
    assert all(0 <= value <= 90 for value in vocab.numbers.values())
    assert not any(word.isdigit() for word in vocab.numbers)
    joiners = {p[0] for p in vocab.words["number_and"]}
    assert not any(word in joiners for word in vocab.numbers)


def test_a_bit_earlier_is_no_one_oclock() -> None:
    assert read("zh", "提醒我早一点拉伸").at is None
    assert read("zh", "提醒我一点拉伸").at == (1, 0)
