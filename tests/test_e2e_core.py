"""End to end: the real Application polls the local Bot API server over HTTP; a simulated user
sends, taps and reads. Real SQLite file, real content, real router."""

from __future__ import annotations

from bot.app import BotApp
from bot.services import Services
from sandbox.user import SimUser
from tests import peek

MAIN_MENU = ["🆘 Cramp now!", "⏰ Reminders", "ℹ️ About", "🌐 Language"]


async def test_start_shows_welcome_disclaimer_and_menu(user: SimUser) -> None:
    replies = await user.command("/start")
    assert len(replies) == 1
    welcome = replies[0]
    assert "Alex" in welcome.text
    assert "not medical advice" in welcome.text
    for label in MAIN_MENU:
        assert label in welcome.labels


async def test_command_menu_is_set_at_start_up(running_bot: BotApp) -> None:
    commands = await running_bot.bot.get_my_commands()
    names = [c.command for c in commands]
    assert {"cramp", "help", "about", "forget", "cancel", "reminders"} <= set(names)


async def test_menu_browsing_edits_one_message(user: SimUser) -> None:
    await user.command("/start")
    start_count = len(user.chat)
    [causes] = await user.press("🤔 Why cramps happen")
    assert "Why cramps happen" in causes.text
    assert "❄️ Cold" in causes.labels or any("Cold" in label for label in causes.labels)
    cold_label = next(label for label in causes.labels if "Cold" in label)
    [topic] = await user.press(cold_label)
    assert topic.message_id == causes.message_id
    assert "Sources:" in topic.text
    assert "⬅️ Back" in topic.labels
    [back] = await user.press("⬅️ Back")
    assert "Why cramps happen" in back.text
    [home] = await user.press("🏠 Menu")
    assert "🆘 Cramp now!" in home.labels
    assert len(user.chat) == start_count  # everything happened in place


async def test_every_menu_and_topic_opens(user: SimUser) -> None:
    await user.command("/start")
    menu_labels = [label for label in user.chat[-1].labels if label not in MAIN_MENU]
    assert len(menu_labels) == 4
    for menu_label in menu_labels:
        [menu] = await user.press(menu_label)
        if "Sources:" in menu.text:  # a menu of one topic opens it directly
            assert "🏠 Menu" in menu.labels
        else:
            for label in [lbl for lbl in menu.labels if lbl != "🏠 Menu"]:
                [page] = await user.press(label)
                assert "Sources:" in page.text
                assert "⬅️ Back" in page.labels
                await user.press("⬅️ Back")
        await user.press("🏠 Menu")
    assert user.failures == []


async def test_related_flow_topics_open_the_flow(user: SimUser) -> None:
    await user.command("/start")
    [safety] = await user.press("🩺 When to see a doctor")
    assert "emergency" in safety.text.lower()
    assert not any("Cramp now" in label for label in safety.labels)
    # A cramp that lasts: advice today first, then the relief steps as a button.
    [warning] = await user.send("the cramp has lasted 25 minutes")
    assert warning.text.startswith("⚠️")
    cramp_now = next(label for label in warning.labels if "Cramp now" in label)
    [flow] = await user.press(cramp_now)
    assert "🛏 Cramp in bed / on land" in flow.labels  # the guided flow, not a summary page


async def test_help_about_and_unknown_command(user: SimUser) -> None:
    [help_reply] = await user.command("/help")
    assert "/forget" in help_reply.text
    [about] = await user.command("/about")
    assert "NHS" in about.text
    [unknown] = await user.command("/frobnicate")
    assert unknown.text  # answered, not ignored


async def test_forget_deletes_everything_after_confirm(user: SimUser, services: Services) -> None:
    await user.command("/start")
    await user.send("cramp")
    storage = services.storage
    assert await storage.get_user(user.user_id) is not None
    [confirm] = await user.command("/forget")
    assert "🗑 Yes, delete my data" in confirm.labels
    [keep] = await user.press("No, keep it")
    assert "Nothing was deleted" in keep.text
    assert await storage.get_user(user.user_id) is not None
    await user.command("/forget")
    [done] = await user.press("🗑 Yes, delete my data")
    assert "deleted everything" in done.text
    assert await peek.rows_mentioning_user(storage, user.user_id) == 0


async def test_sticker_photo_voice_get_a_friendly_answer(user: SimUser) -> None:
    for send in (user.send_sticker, user.send_photo, user.send_voice, user.send_location):
        [reply] = await send()
        assert "only read text" in reply.text
        assert "🆘 Cramp now!" in reply.labels


async def test_stale_and_forged_buttons(user: SimUser) -> None:
    [menu] = await user.command("/start")
    for data in ("v0:t:causes", "v1:t:no_such_topic", "garbage", "v1:n:../../etc", "v1:fg:maybe"):
        replies = await user.press_data(data, message_id=menu.message_id)
        assert any("out of date" in r.text for r in replies), data
        assert user.callback_answers[-1].text
    assert user.failures == []


async def test_free_text_typo_warning_sign_and_off_topic(user: SimUser) -> None:
    [swim] = await user.send("crmap in teh pool")
    assert (
        "can't read a phone" in swim.text
        or "can’t read a phone" in swim.text
        or "phone" in swim.text
    )
    [safety] = await user.send("my calf cramped and now it's swollen and red")
    assert safety.text.startswith("⚠️ <b>Get medical advice today</b>") or safety.text.startswith(
        "⚠️ Get medical advice today"
    )
    assert "swollen, red, warm or tender" in safety.text  # names the sign it recognised
    [other] = await user.send("who won the football game")
    assert "Did you mean" in other.text or "not sure" in other.text
    assert "🏠 Menu" in other.labels


async def test_huge_message_is_answered(user: SimUser) -> None:
    [reply] = await user.send("cramp " * 800)
    assert reply.text


async def test_cancel_with_nothing_running(user: SimUser) -> None:
    [reply] = await user.command("/cancel")
    assert "nothing to cancel" in reply.text.lower()


async def test_emergency_screen_leads_with_the_number_and_no_self_care(
    user: SimUser, services: Services
) -> None:
    await user.command("/start")
    [generic] = await user.send("my foot has suddenly gone white and cold")
    first = generic.text.split("\n")[0]
    assert "Call" in first
    assert "112 / 911 / 999" in first  # no country known yet
    assert not any("Cramp now" in label or "stretch" in label.lower() for label in generic.labels)
    # With a time zone (set for reminders), the number is that country's.
    await services.storage.set_time_zone(user.user_id, "Europe/London")
    [uk] = await user.send("chest pain and my calf hurts")
    assert uk.text.split("\n")[0].count("999") == 1
    assert "112 / 911" not in uk.text.split("\n")[0]


async def test_a_warning_sign_comes_before_a_set_up_in_progress(user: SimUser) -> None:
    await user.command("/reminders")
    [warning] = await user.send("my leg cramp has lasted 40 minutes")
    assert warning.text.startswith("⚠️")


async def test_small_talk_gets_one_short_line(user: SimUser) -> None:
    [reply] = await user.send("thanks!")
    assert len(reply.text) < 200
    assert reply.labels == ["🏠 Menu"]
