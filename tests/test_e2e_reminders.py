"""Reminders end to end through the local Bot API server, with a clock the test moves:
set up by buttons and typing, fire, snooze, stop; Telegram's 429, 403 and 500; restarts."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from bench import seed
from bot.runner import polling
from bot.services import Services
from sandbox.server import FakeBotApi
from sandbox.user import SimUser
from tests import peek
from tests.conftest import AppFactory, ManualClock

BEDTIME = "⏰ Bedtime stretch"
SAVE = "✅ Save"


def at(clock: ManualClock, iso: str) -> None:
    clock.now = datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()


async def tick(services: Services) -> None:
    assert services.scheduler is not None
    await services.scheduler.tick()


async def subscribe_bedtime(user: SimUser, time_label: str = "22:30") -> None:
    [listing] = await user.command("/reminders")
    assert BEDTIME in listing.labels
    [ask] = await user.press(BEDTIME)
    assert "time zone" in ask.text.lower()
    [confirm] = await user.send("londn")
    assert "Europe/London" in confirm.text
    [picker] = await user.press("✅ Yes, that's it")
    assert "22:00" in picker.text
    [picked] = await user.press(time_label)
    assert time_label in picked.text
    [saved] = await user.press(SAVE)
    assert time_label in saved.text
    assert "Europe/London" in saved.text


def reminder_messages(user: SimUser) -> list[str]:
    return [m.text for m in user.chat if m.from_bot and m.text.startswith("🌙 Time for")]


async def test_subscribe_fire_snooze_stop(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    at(clock, "2026-01-10T22:29:00")
    await tick(services)
    assert reminder_messages(user) == []  # not yet
    at(clock, "2026-01-10T22:30:20")
    await tick(services)
    assert len(reminder_messages(user)) == 1
    message = user.chat[-1]
    assert {"✅ Done", "😴 Snooze 10 min", "🔕 Pause this reminder"} <= set(message.labels)
    [snoozed] = await user.press("😴 Snooze 10 min")
    assert "10 minutes" in (user.callback_answers[-1].text or "")
    # The message itself keeps its routine and says until when (22:30 + 10 min, local time).
    assert "Snoozed until 22:40" in snoozed.text
    assert "massage" in snoozed.text.lower()
    assert snoozed.labels == []
    await tick(services)
    assert len(reminder_messages(user)) == 1  # snoozed, not yet due
    clock.advance(600)
    await tick(services)
    assert len(reminder_messages(user)) == 2
    [stopped] = await user.press("🔕 Pause this reminder")
    # It says what Pause did and the way back, under the reminder's own instructions.
    assert "Paused" in stopped.text
    assert "massage" in stopped.text.lower()
    assert "▶️ Resume" in stopped.labels
    messages_before = len(user.chat)
    at(clock, "2026-01-11T22:31:00")
    await tick(services)
    assert len(user.chat) == messages_before  # nothing more after Stop
    assert await services.storage.delivery_counts() == {"sent": 2}


async def test_typed_times_and_bad_time(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await user.command("/reminders")
    await user.press(BEDTIME)
    await user.send("UTC+2")
    await user.press("✅ Yes, that's it")
    [bad] = await user.send("quarter past late")
    assert "couldn't read" in bad.text.lower()
    [typed] = await user.send("10:45pm")
    assert "22:45" in typed.text
    [later] = await user.press("+15 min")
    assert "23:00" in later.text
    [saved] = await user.press(SAVE)
    assert "23:00" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.local_time == "23:00"
    assert reminder.next_fire_utc == int(datetime(2026, 1, 10, 21, 0, tzinfo=UTC).timestamp())


async def test_preswim_days_and_lead(user: SimUser, services: Services, clock: ManualClock) -> None:
    at(clock, "2026-01-05T08:00:00")  # a Monday
    await user.command("/reminders")
    await user.press("⏰ Before my swims")
    await user.send("London")
    await user.press("✅ Yes, that's it")
    await user.press("18:00")
    [days] = await user.press(SAVE)
    assert "✅ Mon" in days.labels
    for day in ("✅ Mon", "✅ Tue", "✅ Wed", "✅ Fri", "✅ Sat", "✅ Sun"):
        await user.press(day)  # leave Thursday only
    await user.press(SAVE)
    [saved] = await user.press("30 min before")
    assert "Thu" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.weekdays == 1 << 3
    assert reminder.next_fire_utc == int(datetime(2026, 1, 8, 17, 30, tzinfo=UTC).timestamp())
    at(clock, "2026-01-08T17:30:05")
    await tick(services)
    assert any("18:00" in m.text for m in user.chat if m.from_bot and "swim" in m.text.lower())


async def test_list_pause_resume_edit_delete(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    [listing] = await user.command("/reminders")
    assert "22:30" in listing.text
    [paused] = await user.press("1. ⏸ Pause")
    assert "(paused)" in paused.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.next_fire_utc is None
    at(clock, "2026-01-10T22:31:00")
    await tick(services)
    assert reminder_messages(user) == []
    await user.press("1. ▶️ Resume")
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.enabled
    await user.press("1. ✏️ Edit")
    await user.press("21:00")
    [saved] = await user.press(SAVE)
    assert "21:00" in saved.text
    [listing] = await user.command("/reminders")
    await user.press("1. 🗑 Delete")
    assert await services.storage.reminders_of(user.user_id) == []


async def test_free_text_and_flow_offer_lead_to_reminders(user: SimUser) -> None:
    [listing] = await user.send("remind me to stretch before bed")
    assert BEDTIME in listing.labels
    await user.command("/cramp")
    await user.press("🛏 Cramp in bed / on land")
    await user.press("✅ It eased")
    [offer] = await user.press("⏰ Bedtime reminder")
    assert "time zone" in offer.text.lower()


async def test_rate_limit_then_delivered(
    user: SimUser, services: Services, clock: ManualClock, api: FakeBotApi
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    api.faults.add("429", method="sendMessage", retry_after=1)
    at(clock, "2026-01-10T22:30:05")
    await tick(services)
    assert len(reminder_messages(user)) == 1
    assert api.stats.faults["429"] == 1


async def test_server_error_is_retried_later(
    user: SimUser, services: Services, clock: ManualClock, api: FakeBotApi
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    api.faults.add("500", method="sendMessage")
    at(clock, "2026-01-10T22:30:05")
    await tick(services)
    assert reminder_messages(user) == []
    clock.advance(10)
    await tick(services)
    assert len(reminder_messages(user)) == 1
    assert await services.storage.delivery_counts() == {"sent": 1}


async def test_blocked_user_is_paused_then_offered_resume(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    user.block()
    at(clock, "2026-01-10T22:30:05")
    await tick(services)
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert not reminder.enabled
    assert reminder.disabled_reason == "blocked"
    user.unblock()
    replies = await user.command("/start")
    offer = replies[-1]
    assert "Welcome back" in offer.text
    await user.press("▶️ Resume my reminders")
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.enabled
    assert reminder.next_fire_utc is not None


async def test_missed_while_down_within_grace_sent_once(
    api: FakeBotApi, make_app: AppFactory, services: Services, clock: ManualClock
) -> None:
    user = api.user(user_id=3003, first_name="Kim")
    at(clock, "2026-01-10T12:00:00")
    async with polling(make_app()):
        await subscribe_bedtime(user)
    # Down over 22:30; back at 22:50, inside the 60-minute grace window.
    at(clock, "2026-01-10T22:50:00")
    async with polling(make_app()):
        await tick(services)
        await tick(services)
    assert len(reminder_messages(user)) == 1
    # Down over the next evening entirely: back at 01:00, past the grace window: skipped.
    at(clock, "2026-01-12T01:00:00")
    async with polling(make_app()):
        await tick(services)
        [reminder] = await services.storage.reminders_of(user.user_id)
    assert len(reminder_messages(user)) == 1
    assert reminder.next_fire_utc == int(datetime(2026, 1, 12, 22, 30, tzinfo=UTC).timestamp())


async def test_replies_stay_instant_during_a_fan_out(
    api: FakeBotApi, user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T22:00:00")
    now = int(clock.now)
    # 600 reminders due now for people the sandbox has never seen (each send is refused with
    # "chat not found"; the outbox still paces them at 25/s, so the fan-out takes a while).
    await seed.add_users_with_reminders(
        services.storage, [(uid, "UTC", "22:00", now - 1) for uid in range(800_000, 800_600)], now
    )
    assert services.scheduler is not None
    fan_out = asyncio.create_task(services.scheduler.tick())
    assert await api.wait_calls("sendMessage", 5, within=30)  # the fan-out is sending
    [menu] = await user.command("/start")
    assert "🆘 Cramp now!" in menu.labels
    # The reply was not queued behind the fan-out: most of it is still to be sent.
    assert not fan_out.done()
    assert api.stats.calls["sendMessage"] < 600
    fan_out.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await fan_out


SNOOZE = "😴 Snooze 10 min"
STOP = "🔕 Pause this reminder"


async def fire_once(services: Services, clock: ManualClock, day: int) -> None:
    at(clock, f"2026-01-{day:02d}T22:30:20")
    await tick(services)


async def test_double_tap_on_snooze_snoozes_once(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    await fire_once(services, clock, 10)
    message = user.chat[-1]
    [reminder] = await services.storage.reminders_of(user.user_id)
    data = f"v1:r:snz:{reminder.id}"
    await user.press_data(data, message.message_id)
    clock.advance(3)  # the second tap lands a few seconds later
    await user.press_data(data, message.message_id)
    clock.advance(600)
    await tick(services)
    clock.advance(600)
    await tick(services)
    assert len(reminder_messages(user)) == 2  # the reminder and one snooze
    assert await services.storage.delivery_counts() == {"sent": 2}


async def test_snooze_after_stop_says_stopped_and_never_sends(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    await fire_once(services, clock, 10)
    older = user.chat[-1]
    await fire_once(services, clock, 11)
    assert len(reminder_messages(user)) == 2
    await user.press(STOP)  # on the newest reminder message
    await user.press(SNOOZE, message_id=older.message_id)  # its buttons still work
    assert "paused" in (user.callback_answers[-1].text or "")
    messages = len(user.chat)
    clock.advance(600)
    await tick(services)
    assert len(user.chat) == messages  # nothing more after Stop
    assert await services.storage.delivery_counts() == {"sent": 2}


async def test_delivery_of_a_stopped_reminder_is_never_sent(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    [reminder] = await services.storage.reminders_of(user.user_id)
    storage = services.storage
    assert await storage.queue_delivery(reminder.id, int(clock()) - 1)
    # Stopped behind the queue's back (another process, an older version of the bot):
    # the sender checks too.
    await peek.execute(storage, "UPDATE reminders SET enabled = 0 WHERE id = ?", (reminder.id,))
    assert not await storage.queue_delivery(reminder.id, int(clock()))
    await tick(services)
    assert reminder_messages(user) == []
    assert await peek.delivery_errors(storage) == ["stopped"]


async def test_one_off_ends_after_firing(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-05T08:00:00")
    await user.command("/reminders")
    await user.press("📅 I'm swimming today")
    await user.send("London")
    await user.press("✅ Yes, that's it")
    await user.press("18:00")
    await user.press(SAVE)
    await user.press("30 min before")
    [listing] = await user.command("/reminders")
    assert "Swim on" in listing.text
    at(clock, "2026-01-05T17:30:05")
    await tick(services)
    assert any("18:00" in m.text for m in user.chat if m.from_bot and "swim" in m.text.lower())
    [listing] = await user.command("/reminders")
    assert "Swim on" not in listing.text  # done: gone from the list
    at(clock, "2026-01-07T09:00:00")
    await user.command("/reminders")
    assert await services.storage.reminders_of(user.user_id) == []  # and later deleted


async def test_many_reminders_page_and_adding_stops_at_the_limit(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    # 40 reminders from before the limit existed: 120 buttons on one list, over Telegram's
    # cap of 100; the list pages instead.
    at(clock, "2026-01-05T08:00:00")
    await user.command("/start")
    for n in range(40):
        await services.storage.add_reminder(
            user.user_id, "bedtime", f"{n % 24:02d}:00", weekdays=127, lead_minutes=0,
            once_date=None, next_fire_utc=int(clock()) + 3600, now=int(clock()),
        )  # fmt: skip
    [listing] = await user.command("/reminders")
    assert "Page 1 of 8" in listing.text
    assert sum(1 for label in listing.labels if label.endswith("🗑 Delete")) == 5
    assert len(listing.labels) <= 100
    [second] = await user.press("Next ▶️")
    assert "Page 2 of 8" in second.text
    assert "6. 🌙" in second.text
    [first] = await user.press("◀️ Previous")
    assert "Page 1 of 8" in first.text
    [refused] = await user.press(BEDTIME)
    assert "You have 10 reminders" in refused.text
    assert len(await services.storage.reminders_of(user.user_id)) == 40
    assert user.failures == []


async def test_changing_zone_after_a_failed_lookup_changes_only_the_zone(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-05T08:00:00")
    await user.command("/reminders")
    await user.press("🌍 Change time zone")
    [sorry] = await user.send("Porto")  # not found
    assert "couldn't find" in sorry.text
    [confirm] = await user.send("New York")
    assert "America/New_York" in confirm.text
    [after] = await user.press("✅ Yes, that's it")
    assert "America/New_York" in after.text
    assert SAVE not in after.labels  # back to the list, not a bedtime set-up
    assert BEDTIME in after.labels
    user_row = await services.storage.get_user(user.user_id)
    assert user_row is not None
    assert user_row.time_zone == "America/New_York"
    assert await services.storage.reminders_of(user.user_id) == []


async def test_typing_another_city_at_the_zone_question_searches_again(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-05T08:00:00")
    await user.command("/reminders")
    await user.press(BEDTIME)
    [confirm] = await user.send("London")
    assert "Europe/London" in confirm.text
    [again] = await user.send("Tokyo")  # instead of Yes / No
    assert "Asia/Tokyo" in again.text
    [picker] = await user.press("✅ Yes, that's it", message_id=again.message_id)
    assert "22:00" in picker.text
    user_row = await services.storage.get_user(user.user_id)
    assert user_row is not None
    assert user_row.time_zone == "Asia/Tokyo"


async def test_done_says_so_in_the_reminder_itself(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    at(clock, "2026-01-10T22:30:20")
    await tick(services)
    [done] = await user.press("✅ Done")
    assert "Done for today" in done.text
    assert "massage" in done.text.lower()  # the routine stays to follow
    assert done.labels == []
