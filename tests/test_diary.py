"""The diary's pure parts: the doctor rule at its edges, the month's figures, the past-cramp
parser, callback drafts, dates, the chart, the PDF and the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content, _load_diary, load_content
from bot.diary import doctor, fonts
from bot.diary.chart import render_png
from bot.diary.dates import format_date
from bot.diary.entries import MUSCLES, SIDES, Entry, night_of, place_for_flow
from bot.diary.export import csv_bytes, fit_table, pdf_bytes
from bot.diary.parse import clears_medicines, parse_past
from bot.diary.screens import (
    Draft,
    chart_labels,
    methods_of,
    past_confirm,
    pdf_page,
    summary_text,
    where,
)
from bot.diary.summary import Summary, summarise

CONTENT = Path(__file__).resolve().parent.parent / "content"
TODAY = date(2026, 1, 31)  # a Saturday


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(CONTENT, "en")


def cramp(day: date, hour: int = 3, **extra: object) -> Entry:
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    values: dict[str, object] = {"id": 1, "occurred_utc": int(moment.timestamp()), "zone": "UTC",
                                 "place": "bed"}  # fmt: skip
    values.update(extra)
    return Entry(**values)  # type: ignore[arg-type]


def days_back(*backs: int, hour: int = 14, **extra: object) -> list[Entry]:
    return [cramp(TODAY - timedelta(days=b), hour, place="land", **extra) for b in backs]


def ids(entries: list[Entry]) -> list[str]:
    return [r.id for r in doctor.reasons(entries, TODAY)]


# --- the doctor rule ---------------------------------------------------------------------


def test_frequent_needs_three_days_in_each_of_two_weeks() -> None:
    assert ids(days_back(0, 2, 4, 7, 9, 11)) == ["frequent"]
    assert ids(days_back(0, 2, 4, 7, 9)) == []  # two days in the earlier week
    assert ids(days_back(0, 2, 7, 9, 11)) == []  # two days this week
    # Three cramps on one day are one day.
    assert ids(days_back(0, 0, 0, 7, 9, 11)) == []
    # The earlier week ends 7 days ago: day 14 is outside both.
    assert ids(days_back(0, 2, 4, 7, 9, 14)) == []


def test_sleep_needs_three_nights_in_seven_days() -> None:
    nights = [cramp(TODAY - timedelta(days=b), 3) for b in (0, 2, 4)]
    assert ids(nights) == ["sleep"]
    assert ids(nights[:2]) == []
    # Two cramps in one night count once; a cramp in the pool at night does not count.
    assert ids([*nights[:2], cramp(TODAY, 4)]) == []
    assert ids([*nights[:2], cramp(TODAY - timedelta(days=5), 3, place="water")]) == []
    # 23:00 and 03:00 the next morning are the same night.
    same = [
        cramp(TODAY - timedelta(days=1), 23),
        cramp(TODAY, 3),
        cramp(TODAY - timedelta(days=3), 2),
    ]
    assert ids(same) == []
    old = [cramp(TODAY - timedelta(days=b), 3) for b in (0, 2, 9)]
    assert ids(old) == []


def test_any_severe_in_thirty_days() -> None:
    assert ids(days_back(29, severe=True)) == ["severe"]
    assert ids(days_back(30, severe=True)) == []
    [reason] = doctor.reasons(days_back(1, 3, severe=True), TODAY)
    assert reason.values == {"count": 2, "days": 30}


def test_long_means_over_ten_minutes() -> None:
    assert ids(days_back(1, minutes_to_ease=11)) == ["long"]
    assert ids(days_back(1, minutes_to_ease=10)) == []


def test_stretch_that_does_not_help() -> None:
    failed = days_back(1, 3, 5, tried=("stretch", "massage"), helped="massage")
    assert ids(failed) == ["stretch"]
    assert ids(failed[:2]) == []
    # One cramp the stretch eased: the stretch still helps.
    assert ids([*failed, *days_back(6, tried=("stretch",), helped="stretch")]) == []
    # "Not sure" after it eased says nothing either way.
    unsure = days_back(1, 3, 5, tried=("stretch",), helped=None, minutes_to_ease=3)
    assert ids(unsure) == []
    assert ids(days_back(1, 3, 14, tried=("stretch",), helped="massage")) == []


def test_the_note_names_its_reasons_calmly(content: Content) -> None:
    entries = days_back(0, 2, 4, 7, 9, 11, severe=True)
    summary = summarise(entries, TODAY)
    text = summary_text(content, summary, doctor.reasons(entries, TODAY), "en")
    assert "see a doctor soon" in text
    assert "3 or more days a week, 2 weeks running" in text
    assert "6 cramp(s) marked severe" in text
    assert "not a diagnosis" in text
    assert "When to see a doctor" in text
    calm = summary_text(content, summarise([], TODAY), [], "en")
    assert "doctor" not in calm
    assert "No cramps noted" in calm


# --- the month's figures -----------------------------------------------------------------


def test_summary_weeks_nights_best_and_longest() -> None:
    entries = [
        cramp(TODAY, 3, helped="massage", minutes_to_ease=4),
        cramp(TODAY - timedelta(days=1), 15, place="water", helped="stretch"),
        cramp(TODAY - timedelta(days=8), 22, helped="massage", minutes_to_ease=12),
        cramp(TODAY - timedelta(days=40), 3),  # outside the window
    ]
    s = summarise(entries, TODAY)
    assert (s.total, s.this_week, s.last_week) == (3, 2, 1)
    assert (s.night, s.daytime, s.water) == (2, 1, 1)
    assert s.best == ("massage", 2)
    assert s.longest is not None
    assert s.longest.minutes_to_ease == 12
    assert [d.day for d in s.days][-1] == TODAY
    assert len(s.days) == 30
    assert (s.days[-2].land, s.days[-2].water) == (0, 1)


def test_stretch_comparison_needs_three_nights_each_side() -> None:
    start = TODAY - timedelta(days=10)
    stretched = {start + timedelta(days=i) for i in (0, 2, 4)}
    # A cramp after each of the other nights, none after the stretched ones.
    others = [
        start + timedelta(days=i) for i in range(10) if start + timedelta(days=i) not in stretched
    ]
    entries = [cramp(n + timedelta(days=1), 3) for n in others]
    s = summarise(entries, TODAY, stretched, since=start)
    assert s.after_stretch == 0.0
    assert s.other_nights == 1.0
    s = summarise(entries, TODAY, set(list(stretched)[:2]), since=start)
    assert s.after_stretch is None
    assert s.other_nights is None


def test_night_belongs_to_its_evening() -> None:
    assert night_of(datetime(2026, 1, 2, 3, 0)) == date(2026, 1, 1)  # noqa: DTZ001
    assert night_of(datetime(2026, 1, 2, 21, 0)) == date(2026, 1, 2)  # noqa: DTZ001
    assert night_of(datetime(2026, 1, 2, 7, 0)) is None  # noqa: DTZ001
    assert place_for_flow("swim", datetime(2026, 1, 2, 3, 0)) == "water"  # noqa: DTZ001
    assert place_for_flow("bed", datetime(2026, 1, 2, 12, 0)) == "land"  # noqa: DTZ001


# --- a past cramp in words ---------------------------------------------------------------

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))  # Tuesday


@pytest.mark.parametrize(
    ("text", "when", "place", "side", "muscle"),
    [
        ("cramp in my left calf last night around 3", "2026-12-01T03:00", "bed", "left", "calf"),
        ("had a cramp yesterday at 5pm in the pool", "2026-11-30T17:00", "water", None, None),
        ("cramp this morning at 6:45", "2026-12-01T06:45", "bed", None, None),
        ("cramp on monday night around 11", "2026-11-30T23:00", "bed", None, None),
        ("my calf cramped 3 hours ago while running", "2026-12-01T06:30", "land", None, "calf"),
        ("Right foot cramp yesterday at 3", "2026-11-30T15:00", "land", "right", "foot"),
        ("cramp last night at 10", "2026-11-30T22:00", "bed", None, None),
    ],
)
def test_past_cramps_in_words(
    content: Content, text: str, when: str, place: str, side: str | None, muscle: str | None
) -> None:
    assert content.diary is not None
    past = parse_past(text, content.diary.words, NOW)
    assert past is not None
    assert past.when.strftime("%Y-%m-%dT%H:%M") == when
    assert (past.place, past.side, past.muscle) == (place, side, muscle)
    assert not past.time_guessed


def test_no_time_is_a_marked_guess_and_minutes_are_read(content: Content) -> None:
    assert content.diary is not None
    past = parse_past("severe cramp overnight, lasted 5 minutes", content.diary.words, NOW)
    assert past is not None
    assert past.time_guessed
    assert past.severe
    assert past.minutes == 5
    assert past.when.strftime("%Y-%m-%dT%H:%M") == "2026-12-01T02:00"


@pytest.mark.parametrize(
    "text",
    [
        "cramp now in bed",
        "why do i get cramps",
        "cramp",
        "my calf is sore last night",
        "cramp this morning at 11",
        "cramp 45 days ago",
        "still cramping since last night",
    ],
)
def test_not_a_past_cramp(content: Content, text: str) -> None:
    assert content.diary is not None
    assert parse_past(text, content.diary.words, NOW) is None


@pytest.mark.parametrize(
    ("text", "when", "place", "side", "muscle"),
    [
        ("calambre en la pantorrilla izquierda anoche sobre las 3", "2026-12-01T03:00", "bed",
         "left", "calf"),
        ("hace 2 días me dio un tirón en el pie derecho a las 18:30", "2026-11-29T18:30", "land",
         "right", "foot"),
        ("calambre nadando en la piscina hace 3 horas", "2026-12-01T06:30", "water", None, None),
        ("el domingo calambre en las dos piernas a las 4 de la madrugada", "2026-11-29T04:00",
         "bed", "both", "calf"),
    ],
)  # fmt: skip
def test_past_cramps_in_spanish(
    text: str, when: str, place: str, side: str | None, muscle: str | None
) -> None:
    """Spanish puts its "ago" word first ("hace 2 días"); its own words read the rest."""
    words = _load_diary(CONTENT / "es" / "diary.toml").words
    past = parse_past(text, words, NOW)
    assert past is not None
    assert past.when.strftime("%Y-%m-%dT%H:%M") == when
    assert (past.place, past.side, past.muscle) == (place, side, muscle)
    assert parse_past("por qué me dan calambres en los pies por la noche", words, NOW) is None
    assert parse_past("tengo un calambre desde anoche", words, NOW) is None


# Chinese is written without spaces: the parser finds its words inside the sentence.
ZH_WORDS = _load_diary(CONTENT / "zh" / "diary.toml").words
ZH_NOW = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # Wednesday


@pytest.mark.parametrize(
    ("text", "when", "place", "side", "muscle"),
    [
        ("昨晚3点左小腿抽筋", "2026-12-02T03:00", "bed", "left", "calf"),
        ("昨天下午3点跑步时右脚抽筋，10分钟才好", "2026-12-01T15:00", "land", "right", "foot"),
        ("昨晚11点左右两条腿都抽筋", "2026-12-01T23:00", "bed", "both", "calf"),
        ("今天凌晨4点被疼醒，小腿抽筋", "2026-12-02T04:00", "bed", None, "calf"),
        ("3小时前游泳时抽筋", "2026-12-02T09:00", "water", None, None),
        ("昨晚 3:30 抽筋", "2026-12-02T03:30", "bed", None, None),
    ],
)
def test_past_cramps_in_chinese(
    text: str, when: str, place: str, side: str | None, muscle: str | None
) -> None:
    past = parse_past(text, ZH_WORDS, ZH_NOW)
    assert past is not None
    assert past.when.strftime("%Y-%m-%dT%H:%M") == when
    assert (past.place, past.side, past.muscle) == (place, side, muscle)
    assert not past.time_guessed


@pytest.mark.parametrize(
    "text",
    ["半夜小腿抽筋怎么办", "这周一直抽筋", "一周三次抽筋", "昨晚抽筋，现在还疼", "小腿抽筋了"],
)
def test_not_a_past_cramp_in_chinese(text: str) -> None:
    assert parse_past(text, ZH_WORDS, ZH_NOW) is None


def test_english_words_still_need_their_edges(content: Content) -> None:
    assert content.diary is not None
    # "at" is not read inside "flat": no time was said, so it is a guess.
    past = parse_past("cramp yesterday in flat 3", content.diary.words, NOW)
    assert past is not None
    assert past.time_guessed


# --- drafts in callback data, dates ------------------------------------------------------


def test_draft_round_trips_through_callback_data(content: Content) -> None:
    methods = methods_of(content)
    draft = Draft(1_767_225_600, "water", "left", "calf", True, 12, ("stretch", "arm"), "arm")
    assert Draft.from_args(draft.args(methods), methods) == draft
    plain = Draft(1_767_225_600, "bed")
    assert Draft.from_args(plain.args(methods), methods) == plain
    for forged in (("x", "b---", "-", "0", "-"), ("1", "q---", "-", "0", "-"), ("1",)):
        assert Draft.from_args(forged, methods) is None


def test_dates_follow_the_language() -> None:
    moment = datetime(2026, 11, 30, 3, 5)  # noqa: DTZ001
    assert format_date(moment, "en", "when") == "Mon, Nov 30, 03:05"
    assert format_date(moment.date(), "de", "full") == "30. Nov. 2026"
    assert format_date(moment.date(), "xx") == "Nov 30"  # unknown: English


# --- picture, PDF, CSV -------------------------------------------------------------------


def month(content: Content) -> tuple[list[Entry], Summary]:
    entries = [
        cramp(TODAY - timedelta(days=b), 3, id=b, tried=("stretch", "massage"), helped="massage",
              minutes_to_ease=3, side="left", muscle="calf")
        for b in range(0, 60, 2)
    ]  # fmt: skip
    return entries, summarise(entries, TODAY, {TODAY - timedelta(days=3)})


@pytest.mark.slow  # starts the drawing process and matplotlib
def test_chart_is_a_png(content: Content) -> None:
    _, summary = month(content)
    png, missing = render_png(summary.days, chart_labels(content, summary, "en"))
    assert png.startswith(b"\x89PNG")
    assert len(png) > 5_000
    assert missing == ""


@pytest.mark.slow  # starts the drawing process and matplotlib
def test_pdf_is_one_page_with_the_entries(content: Content) -> None:
    entries, summary = month(content)
    page = pdf_page(content, summary, entries, "atorvastatin 20 mg", "UTC", "en")
    assert len(page.rows) == 22
    assert page.more == "8 earlier entries are in the CSV file."
    assert page.helped == ("rubbing the calf: 30×",)
    pdf, missing = pdf_bytes(page, summary.days, chart_labels(content, summary, "en"))
    assert missing == ""
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1


def test_csv_has_every_entry_oldest_first(content: Content) -> None:
    assert content.diary is not None
    entries, _ = month(content)
    data = csv_bytes(content.diary.csv_columns, entries, content.diary.names)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 31
    assert rows[0] == list(content.diary.csv_columns)
    assert rows[1][0] < rows[-1][0]
    assert rows[-1][3:10] == ["bed", "left", "calf", "stretch massage", "massage", "3", "no"]


# --- fonts: Chinese and Cyrillic drawn, not boxes ------------------------------------------


def language_month(
    language: str, medicines: str
) -> tuple[Content, list[Entry], Summary, list[str]]:
    """A month in `language`, and every text its chart and PDF draw."""
    content = load_content(CONTENT, language)
    entries, summary = month(content)
    labels = chart_labels(content, summary, language)
    page = pdf_page(content, summary, entries, medicines, "UTC", language)
    return content, entries, summary, [*labels.texts(), *page.texts()]


def glyphs_of(family: str) -> set[int]:
    from matplotlib import font_manager

    path = font_manager.findfont(family, fallback_to_default=False)
    return set(font_manager.get_font(path).get_charmap())


@pytest.mark.slow  # matplotlib's font manager reads every installed font
def test_chinese_text_gets_a_font_that_has_its_glyphs() -> None:
    """matplotlib's DejaVu Sans has no Chinese: an installed CJK font is added after it, and
    every character is in one of the chosen fonts. (`.ci/run` and the Dockerfile install
    fonts-wqy-microhei; without any CJK font this fails, as the chart would show boxes.)"""
    _, _, _, texts = language_month("zh", "阿托伐他汀")
    choice = fonts.choose(texts)
    assert choice.missing == "", "no CJK font installed: apt-get install fonts-wqy-microhei"
    assert choice.families[0] == fonts.BASE_FAMILY
    assert len(choice.families) > 1
    covered = set().union(*(glyphs_of(f) for f in choice.families))
    drawn = {c for t in texts for c in t if not c.isspace()}
    assert "腿" in drawn
    assert {c for c in drawn if ord(c) not in covered} == set()
    assert any(ord("腿") in glyphs_of(f) for f in choice.families[1:])


@pytest.mark.slow  # matplotlib's font manager reads every installed font
def test_cyrillic_needs_no_other_font() -> None:
    _, _, _, texts = language_month("ru", "аторвастатин, 20 мг")
    assert any("икр" in t for t in texts)
    assert fonts.choose(texts) == fonts.FontChoice((fonts.BASE_FAMILY,), "")


@pytest.mark.slow  # draws two charts and two PDFs with matplotlib
def test_chinese_chart_and_pdf_are_drawn_in_the_chosen_font() -> None:
    from matplotlib import font_manager

    content, entries, summary, _ = language_month("zh", "")
    labels = chart_labels(content, summary, "zh")
    with_font = render_png(summary.days, labels)
    assert with_font.missing == ""
    # Without a CJK font (only DejaVu Sans to choose from): still a chart, with the
    # characters it could not draw reported.
    dejavu = [e for e in font_manager.fontManager.ttflist if e.name == fonts.BASE_FAMILY]
    without = render_png(summary.days, labels, dejavu)
    assert without.data.startswith(b"\x89PNG")
    assert "抽" in without.missing
    assert "筋" in without.missing
    assert without.data != with_font.data  # the glyphs, not the boxes
    page = pdf_page(content, summary, entries, "阿托伐他汀", "Asia/Shanghai", "zh")
    pdf = pdf_bytes(page, summary.days, labels)
    assert pdf.missing == ""
    assert pdf.data.startswith(b"%PDF")
    assert set(pdf_bytes(page, summary.days, labels, dejavu).missing) >= set(without.missing)


def test_characters_without_a_font_are_a_warning_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="bot.diary.fonts"):
        fonts.report("ꙮ𓀀", "chart")
        fonts.report("ꙮ𓀀", "chart")
        fonts.report("", "PDF")
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.diary.fonts"]
    assert len(warned) == 1
    assert "ꙮ" in warned[0]
    assert "fonts-wqy-microhei" in warned[0]


# --- each language's words: a cramp's place, the medicines answer -----------------------

LANGUAGES = ("en", "es", "ru", "zh")
WHERE = {
    "en": {("left", "calf"): "left calf", ("right", "foot"): "right foot",
           ("both", "calf"): "both calves", ("both", "foot"): "both feet",
           ("left", None): "left side", (None, "calf"): "calf"},
    "es": {("left", "calf"): "pantorrilla izquierda", ("right", "foot"): "pie derecho",
           ("both", "calf"): "las dos pantorrillas", ("left", "foot"): "pie izquierdo",
           ("right", None): "lado derecho", (None, "foot"): "pie"},
    "ru": {("left", "calf"): "левая икра", ("right", "foot"): "правая стопа",
           ("both", "calf"): "обе икры", ("both", "foot"): "обе стопы",
           ("left", None): "слева", (None, "calf"): "икра"},
    "zh": {("left", "calf"): "左小腿", ("right", "foot"): "右脚",
           ("both", "calf"): "两条小腿", ("left", "foot"): "左脚",
           ("both", None): "两侧", (None, "calf"): "小腿"},
}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cramps_place_in_each_languages_order(language: str) -> None:
    """Side and muscle come in the language's order, with its agreement ("pantorrilla
    izquierda", "pie izquierdo"), from content: every pair and each alone has a name."""
    content = load_content(CONTENT, language)
    for (side, muscle), name in WHERE[language].items():
        assert where(content, side, muscle) == name
    for side in (None, *SIDES):
        for muscle in (None, *MUSCLES):
            named = where(content, side, muscle)
            assert bool(named) == bool(side or muscle)
    # The past-cramp screen and the PDF's table use the same words.
    draft = Draft(1_767_225_600, "bed", "left", "calf")
    screen = past_confirm(content, draft, "UTC", language)
    assert WHERE[language][("left", "calf")] in screen.text
    entries, summary = month(content)  # every entry: left calf
    page = pdf_page(content, summary, entries, "", "UTC", language)
    assert {row.where for row in page.rows} == {WHERE[language][("left", "calf")]}


CLEARING = {
    "en": ["none", "None.", "  NOTHING ", "-", "no", "No medicines!"],
    "es": ["ninguno", "Nada.", "no", "-", "ningún medicamento", "¡Ninguna!"],
    "ru": ["нет", "Нет.", "ничего", "-", "Никаких!", "не принимаю"],
    "zh": ["无", "没有", "没有。", "-", "不吃药", "没有！"],
}
KEPT = {
    "en": ["atorvastatin 20 mg", "no statins now, ramipril 5 mg", "none of them, just aspirin"],
    "es": ["atorvastatina 20 mg", "nada más que ibuprofeno", "no tomo estatinas, solo enalapril"],
    "ru": ["аторвастатин 20 мг", "нет, только аспирин", "ничего, кроме магния"],
    "zh": ["阿托伐他汀 20 mg", "没有别的，只有阿司匹林", "无糖钙片"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answers_that_clear_the_medicines_in_each_language(language: str) -> None:
    diary = load_content(CONTENT, language).diary
    assert diary is not None
    clear = diary.medicines["clear"]
    assert all(clears_medicines(answer, clear) for answer in CLEARING[language])
    assert not any(clears_medicines(answer, clear) for answer in KEPT[language])
    assert not clears_medicines("", clear)
    assert not clears_medicines("...", clear)
    # The answer the prompt suggests is one of them.
    suggested = re.findall(r"<code>([^<]+)</code>", diary.texts["medicines_ask"])[-1]
    assert clears_medicines(suggested, clear)


def test_the_pdf_table_fits_each_columns_longest_text() -> None:
    """A cramp's place is never cut ("pantorrilla izquierda", not "pantorrilla"): its column
    is as wide as its text; when the page is too narrow, the methods tried give way."""
    long_tried = ", ".join(["estirar los dedos", "frotar", "caminar", "giro del tobillo"] * 3)
    table = [
        ["Fecha", "Hora", "Lugar", "Dónde", "Probado", "Ayudó", "Min", "Grave"],
        ["19 ene 2026", "3:00", "en la cama", "pantorrilla izquierda", long_tried, "frotar",
         "3", "sí"],
        ["2026年1月17日", "03:00", "在床上", "两条小腿", "勾脚拉伸", "揉小腿", "", ""],
    ]  # fmt: skip
    cells, widths = fit_table(table)
    assert sum(widths) == pytest.approx(1)
    assert cells[1][3] == "pantorrilla izquierda"
    assert cells[2] == table[2]
    assert cells[1][4].endswith("…")
    assert long_tried.startswith(cells[1][4][:-1])
    assert widths[3] > widths[2] > widths[6]  # "Dónde" wider than "Lugar", wider than "Min"
    short = [row[:4] for row in table]  # room for everything: nothing is cut
    assert fit_table(short)[0] == short
