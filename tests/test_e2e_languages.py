"""Every language end to end, through the local Bot API server: a person whose Telegram speaks
Chinese, Russian or Spanish gets the welcome, a relief flow, a warning sign and a reminder set-up
in that language; /language switches; a message written in another language is answered in it
with "Keep <language>?"; the command menu is set per language."""

from __future__ import annotations

import re

import pytest

from bot.app import BotApp
from bot.content import Content
from bot.runner import polling
from bot.services import Services
from sandbox.server import FakeBotApi
from sandbox.user import SimUser
from tests.conftest import AppFactory

# A Telegram language_code of each language's people.
CODES = {"zh": "zh-hans", "ru": "ru", "es": "es-419"}
# Written for these tests: a message about a cramp now, and one with a warning sign ("today").
NOW = {"zh": "小腿抽筋了", "ru": "свело икру", "es": "tengo un calambre"}
SIGN = {
    "zh": "腿肿了而且发红",
    "ru": "нога опухла и покраснела",
    "es": "la pantorrilla está hinchada y roja",
}


def visible(html: str) -> str:
    """A content text as the chat shows it: tags and placeholders gone, spaces folded."""
    text = re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">")
    return " ".join(text.replace("&amp;", "&").split())


def start_of(html: str, chars: int = 20) -> str:
    return visible(html.split("{", maxsplit=1)[0])[:chars]


def person(api: FakeBotApi, lang: str, user_id: int) -> SimUser:
    return api.user(user_id=user_id, first_name="Sam", language_code=CODES[lang])


@pytest.mark.parametrize("lang", sorted(CODES))
async def test_welcome_flow_and_warning_sign_in_each_language(
    api: FakeBotApi, running_bot: BotApp, services: Services, lang: str
) -> None:
    content = services.locales[lang].content
    assert content.flows is not None
    user = person(api, lang, 3000 + len(lang) + ord(lang[0]))
    [welcome] = await user.command("/start")
    assert start_of(content.texts["welcome"]) in visible(welcome.text)
    assert content.button("cramp_now") in welcome.labels
    assert content.button("language") in welcome.labels
    # A relief flow, in the person's own words: "where are you?", then the first method.
    [where] = await user.send(NOW[lang])
    buttons = content.flows.buttons
    assert {buttons["bed"], buttons["swim"]} <= set(where.labels)
    [step] = await user.press(buttons["bed"])
    assert buttons["eased"] in step.labels
    stretch = content.flows.flows["bed"].steps["stretch"].text
    assert start_of(stretch) in visible(step.text)
    # A warning sign: the screen leads with the tier's action, in the language.
    [warning] = await user.send(SIGN[lang])
    action = content.warnings.tier_actions["today"]
    assert visible(warning.text).startswith(start_of(action, 12))


@pytest.mark.parametrize("lang", sorted(CODES))
async def test_reminder_set_up_in_each_language(
    api: FakeBotApi, running_bot: BotApp, services: Services, lang: str
) -> None:
    content = services.locales[lang].content
    assert content.reminders is not None
    labels = content.reminders.buttons
    user = person(api, lang, 4000 + ord(lang[0]))
    [listing] = await user.command("/reminders")
    assert labels["add_bedtime"] in listing.labels
    [ask] = await user.press(labels["add_bedtime"])
    assert labels["add_bedtime"] not in ask.labels
    # A typed city sets the zone at once and the time picker follows (the new set-up).
    zone_line, picker = await user.send("Madrid")
    assert "Europe/Madrid" in zone_line.text
    assert "22:30" in picker.labels
    assert set(picker.labels) <= set(labels.values()) | set(content.buttons.values()) | {
        label for label in picker.labels if label[:1].isdigit()
    }
    [saved] = await user.press("22:30")
    assert "22:30" in saved.text
    assert "Europe/Madrid" in saved.text
    # Every screen of it was in the language: its buttons are the language's own labels.
    assert set(saved.labels) <= set(labels.values()) | set(content.buttons.values())


async def test_language_command_switches_and_is_kept(
    api: FakeBotApi, running_bot: BotApp, services: Services
) -> None:
    user = person(api, "es", 5001)
    [chooser] = await user.command("/language")
    names = [services.locales[lang].content.text("language_name") for lang in services.locales]
    assert set(names) <= set(chooser.labels)
    zh = services.locales["zh"].content
    [switched] = await user.press(zh.text("language_name"))
    assert visible(zh.text("language_set", language=zh.text("language_name"))) in visible(
        switched.text
    )
    [menu] = await user.command("/menu")
    assert zh.button("cramp_now") in menu.labels
    # "/language ru" switches at once, as in the playground.
    ru = services.locales["ru"].content
    [done] = await user.command("/language ru")
    assert ru.button("cramp_now") in done.labels
    assert services.chosen_languages[user.user_id] == "ru"
    stored = await services.storage.get_user(user.user_id)
    assert stored is not None
    assert stored.language == "ru"


async def test_a_message_in_another_language_is_answered_in_it_with_an_offer(
    api: FakeBotApi, running_bot: BotApp, services: Services
) -> None:
    user = api.user(user_id=5002, first_name="Alex", language_code="en")
    es: Content = services.locales["es"].content
    assert es.flows is not None
    replies = await user.send("tengo un calambre en la pierna, qué hago")
    assert len(replies) == 2
    where, offer = replies
    assert es.flows.buttons["bed"] in where.labels  # the answer, in Spanish
    assert es.button("language_keep") in offer.labels
    assert start_of(es.texts["language_offer"]) in visible(offer.text)
    [kept] = await user.press(es.button("language_keep"))
    assert es.button("cramp_now") in kept.labels
    [help_screen] = await user.command("/help")
    assert start_of(es.text("help")) in visible(help_screen.text)
    # Writing English again answers in English, with an offer to go back.
    replies = await user.send("my calf is cramping right now what do i do")
    assert services.locales["en"].content.button("language_keep") in replies[-1].labels


async def test_command_menu_is_set_for_each_language(
    running_bot: BotApp, services: Services
) -> None:
    for lang, locale in services.locales.items():
        commands = await running_bot.bot.get_my_commands(language_code=lang)
        assert [c.command for c in commands] == list(locale.content.commands)
        assert [c.description for c in commands] == list(locale.content.commands.values())
    default = await running_bot.bot.get_my_commands()
    assert "language" in [c.command for c in default]


async def test_a_chosen_language_survives_a_restart(
    api: FakeBotApi, make_app: AppFactory, services: Services
) -> None:
    user = api.user(user_id=5003, first_name="Kim", language_code="en")
    ru = services.locales["ru"].content
    async with polling(make_app()):
        await user.command("/language ru")
    # A new process: nothing of the choice is left in memory, only in the database.
    services.chosen_languages.clear()
    services.session_languages.clear()
    async with polling(make_app()):
        [menu] = await user.command("/menu")
        assert ru.button("cramp_now") in menu.labels


async def test_the_emergency_number_follows_the_chosen_language(
    api: FakeBotApi, running_bot: BotApp, services: Services
) -> None:
    """A British Telegram (en-gb, 999) who chose Spanish reads Spanish's pick; an English
    one who chose Chinese reads 120; a message merely written in Spanish changes nothing."""
    es = services.locales["es"].content
    spanish_pick = visible(es.warnings.texts["unknown_number"])
    sign = "el pie se me ha puesto blanco y frío de repente"
    chose = api.user(user_id=5004, first_name="Ana", language_code="en-gb")
    await chose.command("/language es")
    [warning] = await chose.send(sign)
    first = visible(warning.text.split("\n")[0])
    assert first.startswith(visible(es.warnings.tier_actions["emergency"].split("{")[0]))
    assert spanish_pick in first
    assert "999" not in first
    # Chosen by the button, then Chinese: mainland China's 120.
    zh = services.locales["zh"].content
    other = api.user(user_id=5005, first_name="Lee", language_code="en")
    await other.command("/language")
    await other.press(zh.text("language_name"))
    [warning] = await other.send("胸口疼，小腿也疼")
    assert "120" in warning.text.split("\n")[0]
    # Not chosen, only written in Spanish: the Telegram language still tells the number.
    guessed = api.user(user_id=5006, first_name="Jo", language_code="en-gb")
    replies = await guessed.send(sign)
    assert "999" in replies[0].text.split("\n")[0]
    # The time zone, where known, comes before any language.
    await services.storage.set_time_zone(chose.user_id, "Europe/Moscow")
    [warning] = await chose.send(sign)
    assert "103 / 112" in warning.text.split("\n")[0]
