"""Every language: the same shape as English (parity, checked at start-up), which language a
person or a message is in, and routing and warning signs in each language's own words."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.content import ContentError, parity_problems
from bot.language import Analyzer, content_language
from bot.services import Locale, language_folders, load_locales
from tests.conftest import shared_locales
from tests.processes import run_bot

CONTENT = PROJECT_ROOT / "content"
LANGUAGES = ("en", "zh", "ru", "es")


@pytest.fixture(scope="module")
def locales() -> Mapping[str, Locale]:
    return shared_locales(CONTENT, "en")


def test_every_language_ships_with_the_shape_of_english() -> None:
    assert set(language_folders(CONTENT)) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert parity_problems(CONTENT, lang) == [], lang


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow  # loads a copy of the content
def test_start_up_fails_on_a_removed_key_naming_language_file_and_key(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    system = root / "zh" / "system.toml"
    text = system.read_text(encoding="utf-8")
    system.write_text(re.sub(r'(?m)^non_text = """.*?"""\n', "", text, flags=re.S), "utf-8")
    with pytest.raises(ContentError) as caught:
        load_locales(root, "en")
    message = str(caught.value)
    assert "zh" in message
    assert "system.toml" in message
    assert "texts.non_text" in message
    assert "missing" in message


@pytest.mark.slow  # loads a copy of the content in a bot process
def test_the_check_command_lists_every_mismatch(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    system = root / "ru" / "system.toml"
    text = system.read_text(encoding="utf-8")
    system.write_text(re.sub(r'(welcome = """[^{]*)\{name\}', r"\1{имя}", text), "utf-8")
    flows = root / "es" / "flows.toml"
    flows.write_text(flows.read_text(encoding="utf-8") + '\n[extra]\nword = "x"\n', "utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "CONTENT_DIR": str(root)}
    result = run_bot(["check"], env)
    assert result.returncode == 2
    assert "ru/system.toml: [texts.welcome] placeholders must be {name}" in result.stderr
    assert "es/flows.toml: [extra] is extra" in result.stderr


def test_a_flow_step_or_button_missing_in_a_language_is_a_mismatch(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    flows = root / "es" / "flows.toml"
    text = flows.read_text(encoding="utf-8")
    flows.write_text(re.sub(r'buttons = \["eased", ', "buttons = [", text, count=1), "utf-8")
    problems = [str(p) for p in parity_problems(root, "es")]
    assert any("es/flows.toml" in p and ".buttons] must be" in p for p in problems), problems


@pytest.mark.parametrize(
    ("code", "lang"),
    [("zh", "zh"), ("zh-hans", "zh"), ("zh-hant", "zh"), ("zh-TW", "zh"), ("ru", "ru"),
     ("ru-RU", "ru"), ("es", "es"), ("es-419", "es"), ("es-MX", "es"), ("en-GB", "en"),
     ("de", None), ("", None), (None, None)],
)  # fmt: skip
def test_telegram_language_codes_map_to_folders(code: str | None, lang: str | None) -> None:
    assert content_language(code, LANGUAGES) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("小腿抽筋了怎么办", "zh"),
        ("腿抽筋", "zh"),
        ("свело ногу ночью", "ru"),
        ("tengo un calambre en la pierna", "es"),
        ("¿por qué me dan calambres?", "es"),
        ("my calf is cramping what do i do", "en"),
        ("ok", None),
        ("22:30", None),
        ("😀", None),
        ("こんにちは", None),
    ],
)
def test_which_language_a_message_is_written_in(
    locales: dict[str, Locale], text: str, lang: str | None
) -> None:
    from bot.language import LanguageGuesser

    guesser = LanguageGuesser({code: loc.vocabulary() for code, loc in locales.items()})
    assert guesser.guess(text) == lang


def test_stems_fold_each_language_and_stemming_twice_changes_nothing() -> None:
    cases = {
        "en": ("cramping", "cramp"),
        "ru": ("судороги", "судорог"),
        "es": ("calambres", "calambr"),
    }
    for lang, (word, stem) in cases.items():
        analyzer = Analyzer(lang)
        assert analyzer.stem(word) == stem
        assert analyzer.stem(stem) == stem
    assert Analyzer("es").fold("Estaño CÓMO") == "estaño como"  # ñ stays a letter
    assert Analyzer("ru").fold("Отёк") == "отек"
    assert Analyzer("zh").words("小腿抽筋了!") == ["小", "腿", "抽", "筋", "了"]


# Messages written for these tests (not from the evaluation set), per language:
# (text, intent, tier).
ROUTES = {
    "zh": [
        ("小腿抽筋了怎么办", "cramp_now", None),
        ("游泳的时候小腿抽筋", "flow_swim", None),
        ("提醒我睡前拉伸", "reminders", None),
        ("腿肿了而且发红", "safety", "today"),
        ("脚突然发白发凉", "safety", "emergency"),
        ("抽筋二十分钟了还不好", "safety", "today"),
        ("你好", "help", None),
    ],
    "ru": [
        ("свело икру, что делать", "cramp_now", None),
        ("судорога в бассейне", "flow_swim", None),
        ("почему ночью сводит ноги", "causes", None),
        ("нога опухла и покраснела", "safety", "today"),
        ("стопа побелела и холодная", "safety", "emergency"),
        ("судорога уже 25 минут", "safety", "today"),
        ("привет", "help", None),
    ],
    "es": [
        ("tengo un calambre en el gemelo ahora mismo", "cramp_now", None),
        ("calambre en la piscina", "flow_swim", None),
        ("recuérdame estirar antes de dormir", "reminders", None),
        ("la pantorrilla está hinchada y roja", "safety", "today"),
        ("me duele el pecho y me falta el aire", "safety", "emergency"),
        ("el calambre dura ya 25 minutos", "safety", "today"),
        ("hola", "help", None),
    ],
}
DENIED = {
    "zh": "没有肿，也不红，就是抽筋了",
    "ru": "отёка нет, просто свело ногу",
    "es": "no está hinchada ni roja, solo un calambre",
}


@pytest.mark.parametrize(
    ("lang", "text", "intent", "tier"),
    [(lang, *case) for lang, cases in ROUTES.items() for case in cases],
)
def test_routing_and_warning_signs_in_each_language(
    locales: dict[str, Locale], lang: str, text: str, intent: str, tier: str | None
) -> None:
    route = locales[lang].router.route(text)
    assert route.intent == intent, (text, route)
    assert route.tier == tier, (text, route)


@pytest.mark.parametrize("lang", sorted(DENIED))
def test_a_denied_sign_does_not_count_in_each_language(
    locales: dict[str, Locale], lang: str
) -> None:
    assert locales[lang].router.route(DENIED[lang]).tier is None


def _route_cli(*args: str) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "HOME": os.environ["HOME"]}
    result = run_bot(["route", "--tiers", *args], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.slow  # a bot process per call
def test_route_cli_with_and_without_lang() -> None:
    [swollen] = _route_cli("--lang", "zh", "腿肿了而且发红")
    assert swollen.split("\t")[0] == "safety"
    assert swollen.split("\t")[2] == "today"
    # Without --lang, each text is routed in the language it is written in.
    lines = _route_cli("нога опухла и покраснела", "la pantorrilla está hinchada", "hi")
    assert [line.split("\t")[0] for line in lines] == ["safety", "safety", "help"]


# Typed reminder requests in each language, read by that language's [parser] words. Chinese
# has no spaces: the message is cut into the file's own words first.
MWF = 1 | 1 << 2 | 1 << 4


@pytest.mark.parametrize(
    ("lang", "text", "kind", "at", "days", "lead"),
    [
        ("zh", "每天晚上22:30提醒我睡前拉伸", "bedtime", (22, 30), 127, 0),
        ("zh", "游泳提醒每周一7:00提前45分钟", "swim", (7, 0), 1, 45),
        ("zh", "每周一、周三、周五7:00游泳，提前45分钟提醒我", "swim", (7, 0), MWF, 45),
        ("ru", "напоминание о растяжке перед сном в 22:30", "bedtime", (22, 30), 127, 0),
        ("es", "recordatorio de estiramiento antes de dormir a las 22:30", "bedtime", (22, 30),
         127, 0),
        ("es", "recordatorio antes de nadar lunes miércoles viernes a las 7 de la mañana 45 "
         "minutos antes", "swim", (7, 0), MWF, 45),
    ],
)  # fmt: skip
def test_typed_reminder_requests_in_each_language(
    locales: dict[str, Locale], lang: str, text: str, kind: str, at: tuple[int, int],
    days: int, lead: int,
) -> None:  # fmt: skip
    from datetime import date

    from bot.reminders import phrases

    vocab = phrases.vocabulary(locales[lang].content)
    request = phrases.parse(text, vocab, date(2026, 11, 24))
    assert request.action is phrases.Action.CREATE
    assert request.kind is not None
    assert request.kind.value == kind
    assert (request.at, request.days, request.lead) == (at, days, lead)


def test_chinese_stop_and_a_cramp_are_read_without_spaces(locales: dict[str, Locale]) -> None:
    from datetime import date

    from bot.reminders import phrases

    vocab = phrases.vocabulary(locales["zh"].content)
    stop = phrases.parse("停止游泳提醒", vocab, date(2026, 11, 24))
    assert stop.action is phrases.Action.STOP
    assert not phrases.parse("昨晚小腿抽筋了很疼", vocab, date(2026, 11, 24)).understood
