"""The shipped content is valid and safe; a broken file stops start-up naming file and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.callbacks import decode
from bot.config import PROJECT_ROOT
from bot.content import Content, ContentError, load_content
from bot.intents import FALLBACK, INTENTS
from bot.telegram_html import MAX_CALLBACK_DATA, html_error, visible_length
from bot.views import main_menu, topic_menu, topic_screen

CONTENT = PROJECT_ROOT / "content"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(CONTENT, "en")


def test_every_intent_has_a_topic_with_keywords(content: Content) -> None:
    for intent in INTENTS:
        if intent == FALLBACK:
            continue
        topic = content.topic_for_intent(intent)
        assert topic.intent == intent
        assert topic.keywords, intent
        assert topic.sources, intent


def test_every_screen_fits_telegram(content: Content) -> None:
    screens = [main_menu(content)]
    screens += [topic_menu(content, m) for m in content.menus]
    screens += [topic_screen(content, t, from_menu="causes") for t in content.topics.values()]
    for screen in screens:
        assert html_error(screen.text) is None, screen.text[:80]
        assert 0 < visible_length(screen.text) <= 4096
        for row in screen.rows:
            for button in row:
                assert len(button.data.encode()) <= MAX_CALLBACK_DATA
                assert decode(button.data) is not None, button.data


def test_every_topic_is_reachable_from_a_menu(content: Content) -> None:
    in_menus = {item for menu in content.menus.values() for item in menu.items}
    related = {r for t in content.topics.values() for r in t.related}
    # Small talk is a one-line reply, not a page.
    unreachable = set(content.topics) - in_menus - related - {"help", "reminders", "smalltalk"}
    assert not unreachable


def test_medical_texts_carry_the_disclaimer(content: Content) -> None:
    for topic in content.topics.values():
        if topic.intent in ("help", "reminders", "smalltalk"):
            continue
        assert "not medical advice" in topic.body or "not a diagnosis" in topic.body, topic.id


# Claims the fact base (docs/EDITING.md) rules out: the seed's errors and anything that
# recommends a supplement.
UNSAFE = [
    r"most common (direct )?cause",
    r"acid(ic)? (waste|metabolite)",
    r"dive into the water",
    r"endure",
    r"nerve root",
    r"with (great |strong )?force",
    r"\b\d{2,3} ?%",
    r"amazing",
    r"\btake (some |a )?(magnesium|calcium|potassium|quinine)",
    r"excessive calcium consumption",
]


def test_no_unsafe_claims(content: Content) -> None:
    texts = [t.body for t in content.topics.values()] + list(content.texts.values())
    for text in texts:
        for pattern in UNSAFE:
            assert not re.search(pattern, text, re.IGNORECASE), (pattern, text[:120])


def test_acute_texts_start_with_the_action(content: Content) -> None:
    first = content.topics["cramp_now"].body.strip().splitlines()[0].lower()
    assert "straighten" in first or "stretch" in first or "pull" in first


def _broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("system.toml", 'menu = "🏠 Menu"', 'menu = "🏠 Menu', "-"),
        ("system.toml", "<b>How I can help</b>", "<b>How I can help", "texts.help"),
        ("system.toml", "Hi {name}!", "Hi {name.__class__}!", "texts.welcome"),
        (
            "topics/causes.toml",
            'intent = "cause_cold"',
            'intent = "cold"',
            "topic.cause_cold.intent",
        ),
        ("topics/causes.toml", 'id = "cause_cold"', 'id = "cause_fatigue"', "topic.cause_fatigue"),
        ("menus.toml", '"cause_cold"', '"cause_nope"', "menu.causes.items"),
    ],
)
def test_broken_file_names_file_and_key(
    tmp_path: Path, file: str, old: str, new: str, key: str
) -> None:
    root = _broken_copy(tmp_path)
    path = root / "en" / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as info:
        load_content(root, "en")
    assert info.value.file.endswith(file.rsplit("/", maxsplit=1)[-1])
    assert info.value.key == key


def test_related_must_resolve(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path)
    path = root / "en" / "topics" / "causes.toml"
    text = path.read_text()
    path.write_text(re.sub(r"related = \[[^\]]*\]", 'related = ["no_such_topic"]', text, count=1))
    with pytest.raises(ContentError, match="no_such_topic"):
        load_content(root, "en")


def test_text_over_telegram_limit_is_refused(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path)
    path = root / "en" / "system.toml"
    path.write_text(
        path.read_text().replace('forget_cancelled = """', 'forget_cancelled = """' + "x" * 5000, 1)
    )
    with pytest.raises(ContentError, match="longer than 4096"):
        load_content(root, "en")


def test_missing_language_folder(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="language folder"):
        load_content(CONTENT, "xx")


def test_html_validator_matches_telegram_rules() -> None:
    assert html_error("<b>bold</b> &amp; <i>it</i> <a href='https://x.org'>x</a>") is None
    assert html_error("<b>open") is not None
    assert html_error("<div>no</div>") is not None
    assert html_error("a < b") is not None
    assert html_error("fish & chips") is not None
    assert html_error("<b><i>x</b></i>") is not None
    # Telegram's list: a bare <span> is refused, a spoiler span is not (the sandbox agrees).
    assert html_error("<span>x</span>") is not None
    assert html_error('<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler>') is None
    assert html_error("<a>no href</a>") is not None
    assert visible_length("<b>ab</b>&amp;") == 3
