"""Guided flows end to end through the local Bot API server: both places, restarts, stale and
double-tapped buttons, the countdown (with a sleep the test controls) and personal order."""

from __future__ import annotations

from bot.runner import polling
from bot.services import Services
from sandbox.server import FakeBotApi
from sandbox.user import SimUser
from tests.conftest import AppFactory, ManualClock, ManualSleep

BED = "🛏 Cramp in bed / on land"
SWIM = "🌊 Cramp in the water"
EASED = "✅ It eased"
NEXT = "➡️ Try something else"
SEVERE = "🚨 Over 10 min or severe"


def edits_of(api: FakeBotApi, message_id: int) -> list[str]:
    return [
        params.get("text", "")
        for method, params, _ in api.calls
        if method == "editMessageText" and str(params.get("message_id")) == str(message_id)
    ]


async def test_bed_flow_end_to_end(user: SimUser, services: Services) -> None:
    [now] = await user.command("/cramp")
    assert now.text.lower().startswith("straighten your leg")
    assert {BED, SWIM, SEVERE} <= set(now.labels)
    [stretch] = await user.press(BED)
    assert stretch.message_id == now.message_id  # one message, edited in place
    assert "30 s" in stretch.text
    [massage] = await user.press(NEXT)
    assert "rub" in massage.text.lower()
    [eased] = await user.press(EASED)
    assert "What helped" in eased.text or "what helped" in eased.text.lower()
    # The flow's message says thanks; the first end of a flow also asks about the diary.
    done, diary = await user.press("Rubbing the calf")
    assert "next time" in done.text.lower()
    assert "cramp diary" in diary.text
    assert await services.storage.helpful_methods(user.user_id) == ["massage"]
    assert len([m for m in user.chat if m.from_bot]) == 2
    assert user.failures == []


async def test_swim_flow_end_to_end(user: SimUser) -> None:
    [swim] = await user.send("got a cramp in the pool")
    assert "phone" in swim.text.lower()
    assert "float" in swim.text.lower()
    after, _diary = await user.press("🚶 I'm out of the water")
    assert "swim" in after.text.lower()
    assert "⏰ Pre-swim reminder" in after.labels
    [bed] = await user.press("😣 Still cramping")
    assert "toes" in bed.text.lower()


async def test_severe_shows_warning_sign_tiers(user: SimUser) -> None:
    await user.command("/cramp")
    [severe] = await user.press(SEVERE)
    assert "emergency" in severe.text.lower()
    assert "today" in severe.text.lower()
    assert "soon" in severe.text.lower()


async def test_menu_button_and_deep_links_open_flows(user: SimUser) -> None:
    [menu] = await user.command("/start")
    [now] = await user.press("🆘 Cramp now!")
    assert now.message_id == menu.message_id
    [bed] = await user.command("/start", "bed")
    assert "30 s" in bed.text
    [swim] = await user.command("/start", "swim")
    assert "phone" in swim.text.lower()


async def test_countdown_edits_then_asks(
    user: SimUser, api: FakeBotApi, sleep: ManualSleep
) -> None:
    await user.command("/cramp")
    [stretch] = await user.press(BED)
    assert "30 s" in stretch.text
    assert sleep.waiting == 1
    await sleep.release_all()
    texts = edits_of(api, stretch.message_id)
    assert any("20 s" in t for t in texts)
    assert any("10 s" in t for t in texts)
    final = user.chat[-1]
    assert "Has it eased?" in final.text
    assert EASED in final.labels
    assert sleep.requested == [10, 10, 10]


async def test_press_during_countdown_stops_it(
    user: SimUser, api: FakeBotApi, sleep: ManualSleep
) -> None:
    await user.command("/cramp")
    [stretch] = await user.press(BED)
    await user.press(NEXT)
    await sleep.release_all()
    assert "rub" in user.chat[-1].text.lower()  # the countdown did not overwrite the new step
    assert not any("20 s" in t for t in edits_of(api, stretch.message_id))


async def test_restart_mid_flow_continues(
    api: FakeBotApi, make_app: AppFactory, services: Services
) -> None:
    user = api.user(user_id=2002, first_name="Sam")
    async with polling(make_app()):
        await user.command("/cramp")
        await user.press(BED)
        [massage] = await user.press(NEXT)
    async with polling(make_app()):  # a new Application on the same database
        [walk] = await user.press(NEXT)
        assert walk.message_id == massage.message_id
        assert "stand" in walk.text.lower()
        [eased] = await user.press(EASED)
        assert "Standing and walking" in eased.labels
        state = await services.storage.get_state(user.user_id)
        assert state is not None
        assert (state.flow, state.step) == ("bed", "eased")


async def test_a_restart_during_the_countdown_leaves_it_still_with_live_buttons(
    api: FakeBotApi, make_app: AppFactory
) -> None:
    user = api.user(user_id=2003, first_name="Kim")
    async with polling(make_app()):
        await user.command("/cramp")
        [stretch] = await user.press(BED)
        assert "30 s left" in stretch.text
    # The bot stopped mid-countdown: the message no longer counts, and says what to do.
    [still] = [m for m in user.chat if m.message_id == stretch.message_id]
    assert "s left" not in still.text
    assert "timer stopped" in still.text
    assert EASED in still.labels
    async with polling(make_app()):  # after the restart its buttons still work
        [eased] = await user.press(EASED, message_id=still.message_id)
        assert "eased" in eased.text.lower()


async def test_double_tap_is_harmless(user: SimUser) -> None:
    await user.command("/cramp")
    [stretch] = await user.press(BED)
    await user.press(NEXT)
    replies = await user.press_data(
        next(b.callback_data for row in stretch.buttons for b in row if b.text == NEXT) or "",
        message_id=stretch.message_id,
    )
    assert "rub" in user.chat[-1].text.lower()  # still on massage, not skipped ahead
    assert user.callback_answers[-1].text  # a kind toast
    assert all(r.message_id == stretch.message_id for r in replies)
    assert len([m for m in user.chat if m.from_bot]) == 1


async def test_stale_and_forged_flow_buttons(user: SimUser) -> None:
    [first] = await user.command("/cramp")
    await user.press(BED)
    [second] = await user.command("/cramp")  # a new flow starts cleanly
    assert second.message_id != first.message_id
    for data in (
        "v1:f:bed:stretch:eased",
        "v1:f:nope:x:y",
        "v1:f:bed:stretch:fly",
        "v9:f:bed:new:go",
    ):
        replies = await user.press_data(data, message_id=first.message_id)
        assert replies, data
        assert any("Start again" in " ".join(r.labels) or "out of date" in r.text for r in replies)
    [again] = await user.press("↩️ Start again")
    assert "toes" in again.text.lower()
    assert user.failures == []


async def test_forged_feedback_is_refused(user: SimUser, services: Services) -> None:
    await user.command("/cramp")
    await user.press(BED)
    [eased] = await user.press(EASED)
    await user.press_data("v1:f:bed:eased:helped:lip", message_id=eased.message_id)
    assert await services.storage.helpful_methods(user.user_id) == []


async def test_personal_order_after_feedback(user: SimUser) -> None:
    await user.command("/cramp")
    await user.press(BED)
    await user.press(NEXT)
    await user.press(NEXT)  # walk
    await user.press(EASED)
    await user.press("Standing and walking")
    await user.command("/cramp")
    [first] = await user.press(BED)
    # The stretch stays first, and the text says what comes next and why.
    assert "First the stretch" in first.text
    assert "standing and walking" in first.text.lower()
    [second] = await user.press(NEXT)
    assert "Last time" in second.text
    assert "right after the stretch" in second.text


async def test_cancel_during_the_countdown_leaves_it_still_with_live_buttons(
    user: SimUser, sleep: ManualSleep
) -> None:
    await user.command("/cramp")
    [stretch] = await user.press(BED)
    assert "30 s left" in stretch.text
    await user.command("/cancel")
    await sleep.release_all()  # the countdown's next tick finds the flow cancelled
    [still] = [m for m in user.chat if m.message_id == stretch.message_id]
    assert "s left" not in still.text
    assert "Stopped" in still.text
    assert still.labels == ["↩️ Start again", "🏠 Menu"]
    [again] = await user.press("↩️ Start again", message_id=still.message_id)
    assert EASED in again.labels  # the buttons were live: the flow starts over


async def test_cancel_ends_a_flow(user: SimUser, services: Services) -> None:
    await user.command("/cramp")
    [reply] = await user.command("/cancel")
    assert "Stopped" in reply.text
    assert await services.storage.get_state(user.user_id) is None


async def test_start_again_restarts_the_flow_clock(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    await user.command("/cramp")
    await user.press(BED)
    first = await services.storage.get_state(user.user_id)
    clock.advance(120)
    await user.press(NEXT)
    continued = await services.storage.get_state(user.user_id)
    await user.press(SEVERE)
    clock.advance(60)
    await user.press("↩️ Start again")
    restarted = await services.storage.get_state(user.user_id)
    assert first is not None
    assert continued is not None
    assert restarted is not None
    assert continued.started_utc == first.started_utc  # a step forward keeps the clock
    assert restarted.started_utc == first.started_utc + 180  # "Start again" resets it
    assert (restarted.flow, restarted.step) == ("bed", "stretch")
