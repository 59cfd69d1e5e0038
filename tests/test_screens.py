"""Every screen tells the truth: the real content passes the screen checks, and the checks catch
each kind of mistake a person noticed (a stale promise, a text naming a button that is not
there, a menu listing itself, one action under two labels, one emoji for two things)."""

from __future__ import annotations

import pytest

from bot import views
from bot.config import PROJECT_ROOT
from bot.screen_check import NamedScreen, all_screens, dead_ends, problems
from bot.services import Locale
from bot.views import Button, Screen
from tests.conftest import shared_locales


@pytest.fixture(scope="module")
def locale() -> Locale:
    return shared_locales(PROJECT_ROOT / "content", "en")["en"]


def test_every_screen_tells_the_truth(locale: Locale) -> None:
    screens = all_screens(locale.content, locale.flows)
    assert len(screens) > 150  # menus, topics, flow steps, warnings, reminders
    assert problems(screens, locale.content.button("back")) == []
    assert dead_ends(screens, locale.content, locale.flows) == []


def test_no_text_anywhere_says_coming_soon(locale: Locale) -> None:
    for topic in locale.content.topics.values():
        assert "coming soon" not in topic.body.lower(), topic.id


def _check(*screens: Screen) -> list[str]:
    return problems([NamedScreen(f"s{n}", s) for n, s in enumerate(screens)], "⬅️ Back")


def test_checks_catch_a_stale_promise() -> None:
    assert _check(Screen("Reminders are coming soon."))


def test_checks_catch_a_text_naming_a_missing_button() -> None:
    menu = Button("🏠 Menu", "v1:m")
    assert _check(Screen("Tap “Start again” for the steps.", ((menu,),)))
    assert _check(Screen("Want a nudge? Tap ⏰.", ((menu,),)))
    assert _check(Screen("Tap a cause below to read more."))
    ok = Screen("Tap ⏰ for a nudge.", ((Button("⏰ Bedtime reminder", "v1:f:bed:done:x"),),))
    assert _check(ok) == []


def test_checks_catch_one_action_under_two_labels() -> None:
    a = Screen("a", ((Button("🆘 Cramp now!", "v1:f:now:new:go"),),))
    b = Screen("b", ((Button("⚡ Cramp now!", "v1:f:now:new:go"),),))
    assert any("several labels" in p for p in _check(a, b))


def test_checks_catch_one_emoji_for_two_things() -> None:
    a = Screen("a", ((Button("🦶 Ease a cramp", "v1:n:relief"),),))
    b = Screen("b", ((Button("🦶 Toe pull stretch", "v1:t:relief_toe_stretch"),),))
    assert any("different labels" in p for p in _check(a, b))


def test_checks_catch_a_menu_listing_itself() -> None:
    found = problems(
        [NamedScreen("menu causes", Screen("<b>Why cramps happen</b>\n\n...",
                                           ((Button("🤔 Why cramps happen", "v1:t:causes"),),)))],
    )  # fmt: skip
    assert any("lists itself" in p for p in found)


def test_checks_catch_a_button_that_leads_nowhere(locale: Locale) -> None:
    bad = NamedScreen("x", Screen("x", ((Button("Gone", "v1:t:no_such_topic"),),)))
    assert dead_ends([bad], locale.content, locale.flows)


def test_an_overview_page_is_its_menu(locale: Locale) -> None:
    content = locale.content
    page = views.topic_screen(content, content.topics["causes"])
    labels = [b.label for row in page.rows for b in row]
    assert content.topics["cause_cold"].button in labels  # "Tap a cause below" is true
    assert content.topics["causes"].button not in labels  # it does not list itself
    assert page == views.topic_menu(content, "causes")


def test_main_menu_reminders_opens_the_real_set_up(locale: Locale) -> None:
    rows = views.main_menu(locale.content).rows
    reminders = next(b for row in rows for b in row if b.label.startswith("⏰"))
    assert reminders.data == "v1:r:list"
