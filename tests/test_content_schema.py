"""The content schema: the text keys and placeholders the code declares (bot/text_schema.py)
against every language folder, and `bot check` failing on each kind of mismatch."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import services, text_schema
from bot.config import PROJECT_ROOT
from bot.content import load_content
from bot.services import Locale
from tests.conftest import shared_locales

CONTENT = PROJECT_ROOT / "content"
LANGUAGES = sorted(p.name for p in CONTENT.iterdir() if (p / "system.toml").is_file())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_fits_the_schema(language: str) -> None:
    assert text_schema.problems(load_content(CONTENT, language)) == []


def edited_copy(tmp_path: Path, file: str, edit: Callable[[str], str]) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    path = root / "en" / file
    before = path.read_text(encoding="utf-8")
    after = edit(before)
    assert after != before, "the edit changed nothing"
    path.write_text(after, encoding="utf-8")
    return root


def schema_problems(root: Path) -> list[str]:
    return text_schema.problems(load_content(root, "en"))


def test_a_deleted_text_the_code_uses_is_missing(tmp_path: Path) -> None:
    root = edited_copy(
        tmp_path, "system.toml", lambda s: s.replace('cancel_nothing = """', 'cancel_nothin = """')
    )
    found = schema_problems(root)
    assert any("[texts] cancel_nothing: missing (used by bot.handlers.core)" in p for p in found)
    assert any("[texts] cancel_nothin: no code uses this key" in p for p in found)


def test_a_text_no_code_uses_is_unknown(tmp_path: Path) -> None:
    root = edited_copy(
        tmp_path, "reminders.toml", lambda s: s.replace("[texts]\n", '[texts]\nleftover = "x"\n', 1)
    )
    assert schema_problems(root) == [
        "content/en/reminders.toml [texts] leftover: no code uses this key (unknown or "
        "unused); remove it, or declare it with uses() next to the code that shows it"
    ]


def test_a_misspelt_placeholder_is_unknown_and_the_real_one_missing(tmp_path: Path) -> None:
    root = edited_copy(tmp_path, "system.toml", lambda s: s.replace("Hi {name}!", "Hi {nme}!"))
    assert schema_problems(root) == [
        "content/en/system.toml [texts] welcome: unknown placeholder {nme} (the code passes "
        "{name})",
        "content/en/system.toml [texts] welcome: placeholder {name} is missing from the text",
    ]


def test_a_placeholder_the_code_does_not_pass_is_unknown(tmp_path: Path) -> None:
    root = edited_copy(
        tmp_path,
        "flows.toml",
        lambda s: s.replace("<b>{seconds} s</b>", "<b>{seconds} s</b> {minutes}"),
    )
    found = schema_problems(root)
    assert found == [
        "content/en/flows.toml [texts] timer_running: unknown placeholder {minutes} (the code "
        "passes {seconds})"
    ]


def test_a_button_table_is_checked_too(tmp_path: Path) -> None:
    root = edited_copy(
        tmp_path, "reminders.toml", lambda s: s.replace('keep_paused = "', 'keep_pausd = "', 1)
    )
    found = schema_problems(root)
    assert any("reminders.toml [buttons] keep_paused: missing" in p for p in found)
    assert any("reminders.toml [buttons] keep_pausd: no code uses" in p for p in found)


def test_a_parser_idea_is_checked_too(tmp_path: Path) -> None:
    root = edited_copy(
        tmp_path, "reminders.toml", lambda s: s.replace("\nlead = [", "\nleed = [", 1)
    )
    assert schema_problems(root) == [
        "content/en/reminders.toml [parser] lead: missing (used by bot.reminders.phrases)",
        "content/en/reminders.toml [parser] leed: no code uses this key (unknown or unused); "
        "remove it, or declare it with uses() next to the code that shows it",
    ]


@pytest.mark.slow  # reads a copy of the content, every language
def test_bot_check_fails_on_a_schema_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.__main__ as cli

    # The copy's texts with the routers already built: building four languages' routers
    # again (13 s of the suite's CPU under the tracer) is not what the check is about, and
    # tests/test_build_cache.py compares a fresh build with its copy.
    def read_with_built_routers(root: Path, default: str, cache: Path | None) -> dict[str, Locale]:
        built = shared_locales(PROJECT_ROOT / "content", default)
        return {
            lang: dataclasses.replace(locale, content=load_content(root, lang))
            for lang, locale in built.items()
        }

    monkeypatch.setattr(services, "load_locales", read_with_built_routers)

    root = edited_copy(tmp_path, "system.toml", lambda s: s.replace("Hi {name}!", "Hi {nme}!"))
    # The same slip in every language folder (else the folders' parity check speaks first).
    others = sorted(p for p in root.iterdir() if p.is_dir() and p.name != "en")
    assert others
    for folder in others:
        path = folder / "system.toml"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines = [
            line.replace("{name}", "{nme}") if line.startswith("welcome =") else line
            for line in lines
        ]
        path.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTENT_DIR", str(root))
    monkeypatch.setattr(cli, "setup_logging", lambda settings: None)
    assert cli.main(["check"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    for lang in ["en", *(folder.name for folder in others)]:
        assert f"{lang}: content/{lang}/system.toml [texts] welcome" in err
    assert "unknown placeholder {nme}" in err
    assert "content OK" not in err


def test_declaring_one_key_with_two_placeholder_sets_is_refused() -> None:
    text_schema.declarations()
    with pytest.raises(ValueError, match="welcome: declared with"):
        text_schema.uses("tests", "system.toml", "texts", "welcome(nme)")
    with pytest.raises(ValueError, match="not a table of named keys"):
        text_schema.uses("tests", "topics.toml", "topic", "x")


# --- the declarations sit next to the code that reads the keys -----------------------------

KEY_CALLS = {"text", "button", "plain", "toast"}
KEY_TABLES = {"texts", "buttons", "messages"}


def literal_keys(tree: ast.AST) -> set[str]:
    """Keys a module names literally: content.text("k"), .button("k"), views.plain(c, "k"),
    rv.toast(c, "k"), x.texts["k"], x.buttons["k"], x.messages["k"]."""
    keys: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in KEY_CALLS:
                keys.update(
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in KEY_TABLES
            and isinstance(node.slice, ast.Constant)
        ):
            keys.add(str(node.slice.value))
    return keys


@pytest.mark.slow  # parses every module of the bot package
def test_every_key_the_code_names_is_declared_by_that_module() -> None:
    schema = text_schema.declarations()
    declared_by: dict[str, set[str]] = {}
    for keys in schema.values():
        for key, declared in keys.items():
            for module in declared.modules:
                declared_by.setdefault(module, set()).add(key)
    checked = 0
    for path in sorted((PROJECT_ROOT / "bot").rglob("*.py")):
        module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        if module in ("bot.content", "bot.text_schema", "bot.__main__"):
            continue
        named = literal_keys(ast.parse(path.read_text(encoding="utf-8")))
        if not named:
            continue
        checked += 1
        undeclared = named - declared_by.get(module, set())
        assert not undeclared, f"{module} names {sorted(undeclared)} without uses() for them"
    assert checked >= 5
