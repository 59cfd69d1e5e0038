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
PRESWIM = "⏰ Before my swims"
ONCE = "📅 I'm swimming today"
SAVE = "✅ Save"
NEXT = "✅ Next"
OPEN_FIRST = "1. ✏️ Change or pause"


def at(clock: ManualClock, iso: str) -> None:
    clock.now = datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()


async def tick(services: Services) -> None:
    assert services.scheduler is not None
    await services.scheduler.tick()


async def subscribe_bedtime(user: SimUser, time_label: str = "22:30") -> None:
    """By buttons: the list, Bedtime, a typed city, a time. Saved at the last tap."""
    [listing] = await user.command("/reminders")
    assert BEDTIME in listing.labels
    [ask] = await user.press(BEDTIME)
    assert "time zone" in ask.text.lower()
    zone_line, picker = await user.send("londn")
    assert "Europe/London" in zone_line.text
    assert "22:00" in picker.text
    [saved] = await user.press(time_label)
    assert "Saved" in saved.text
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
    assert "22:40" in (user.callback_answers[-1].text or "")
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
    [offset] = await user.send("UTC+2")
    # A fixed offset is accepted, but it is said that it will not follow summer time.
    assert "summer time" in offset.text
    await user.press("Keep UTC+02:00")
    [bad] = await user.send("quarter past late")
    assert "couldn't read" in bad.text.lower()
    [later] = await user.press("+15 min", message_id=bad.message_id)
    assert "22:15" in later.text
    [saved] = await user.send("10:45pm")
    assert "22:45" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.local_time == "22:45"
    assert reminder.next_fire_utc == int(datetime(2026, 1, 10, 20, 45, tzinfo=UTC).timestamp())


async def test_preswim_days_and_lead(user: SimUser, services: Services, clock: ManualClock) -> None:
    at(clock, "2026-01-05T08:00:00")  # a Monday
    await user.command("/reminders")
    await user.press(PRESWIM)
    await user.send("London")
    [days] = await user.press("18:00")
    # Days start empty for a swim; shortcuts set several at once.
    assert not any(label.startswith("✅ ") and label[2:] in ("Mon", "Thu") for label in days.labels)
    assert {"Every day", "Weekdays", "Weekends", "Clear"} <= set(days.labels)
    await user.press(NEXT)
    assert "at least one day" in (user.callback_answers[-1].text or "")
    await user.press("Weekdays")
    await user.press("Clear")
    [thursday] = await user.press("Thu")
    assert "✅ Thu" in thursday.labels
    [lead] = await user.press(NEXT)
    assert "1 h" in lead.labels  # the same words as the summary
    [saved] = await user.press("30 min")
    assert "Thu" in saved.text
    assert "17:30" in saved.text  # the real send time
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.weekdays == 1 << 3
    assert reminder.next_fire_utc == int(datetime(2026, 1, 8, 17, 30, tzinfo=UTC).timestamp())
    at(clock, "2026-01-08T17:30:05")
    await tick(services)
    assert any("18:00" in m.text for m in user.chat if m.from_bot and "swim" in m.text.lower())


async def test_card_pause_resume_change_delete_undo(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    [listing] = await user.command("/reminders")
    assert "22:30" in listing.text
    assert "tonight at 22:30" in listing.text  # when it next comes, in words
    assert "Europe/London" not in listing.text  # the zone is not repeated under every list
    await user.press(OPEN_FIRST)
    [paused] = await user.press("⏸ Pause")
    assert "Paused" in paused.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.next_fire_utc is None
    at(clock, "2026-01-10T22:31:00")
    await tick(services)
    assert reminder_messages(user) == []
    await user.press("▶️ Resume")
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.enabled
    # Change one part from the card: the time, and nothing else is asked.
    [picker] = await user.press("🕐 Time")
    assert "When should I remind you" in picker.text
    [changed] = await user.press("21:00")
    assert "Changed" in changed.text
    assert "21:00" in changed.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.local_time == "21:00"
    # Delete, then Undo brings it back.
    [listing] = await user.press("🗑 Delete")
    assert "Deleted" in listing.text
    assert await services.storage.reminders_of(user.user_id) == []
    [restored] = await user.press("⏪ Undo")
    assert "Brought back" in restored.text
    [back] = await services.storage.reminders_of(user.user_id)
    assert (back.kind, back.local_time, back.enabled) == ("bedtime", "21:00", True)
    assert back.next_fire_utc is not None


async def test_undo_is_refused_once_the_while_is_over(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    await user.command("/reminders")
    await user.press(OPEN_FIRST)
    await user.press("🗑 Delete")
    clock.advance(3600)
    [late] = await user.press("⏪ Undo")
    assert "Too late" in late.text
    assert await services.storage.reminders_of(user.user_id) == []


async def test_free_text_and_flow_offer_lead_to_reminders(user: SimUser) -> None:
    [ask] = await user.send("remind me to stretch before bed")
    assert "time zone" in ask.text.lower()
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
    await user.press(ONCE)
    await user.send("London")
    await user.press("18:00")
    [saved] = await user.press("30 min")
    assert "17:30" in saved.text
    [listing] = await user.command("/reminders")
    assert "Today at" in listing.text
    at(clock, "2026-01-05T17:30:05")
    await tick(services)
    assert any("18:00" in m.text for m in user.chat if m.from_bot and "swim" in m.text.lower())
    [listing] = await user.command("/reminders")
    assert "Today at" not in listing.text  # done: gone from the list
    at(clock, "2026-01-07T09:00:00")
    await user.command("/reminders")
    assert await services.storage.reminders_of(user.user_id) == []  # and later deleted


async def test_swimming_today_offers_only_times_still_ahead(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-05T16:30:00")  # London, 16:30
    await user.command("/reminders")
    await user.press(ONCE)
    _, picker = await user.send("London")
    presets = [label for label in picker.labels if label[:2].isdigit()]
    assert presets == ["17:00", "18:00", "19:00", "20:00"]
    # A time typed for a swim whose reminder would already be past is refused at once.
    [past] = await user.send("16:00")
    assert "already passed" in past.text


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
    assert sum(1 for label in listing.labels if label.endswith("✏️ Change or pause")) == 5
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
    [sorry] = await user.send("Qwxzpt")  # not a place
    assert "couldn't find" in sorry.text
    zone_line, after = await user.send("New York")
    assert "America/New_York" in zone_line.text
    assert "America/New_York" in after.text
    assert SAVE not in after.labels  # back to the list, not a bedtime set-up
    assert BEDTIME in after.labels
    user_row = await services.storage.get_user(user.user_id)
    assert user_row is not None
    assert user_row.time_zone == "America/New_York"
    assert await services.storage.reminders_of(user.user_id) == []


async def test_places_people_type_and_a_shared_location(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-05T08:00:00")
    await user.command("/reminders")
    await user.press(BEDTIME)
    [pick] = await user.send("Valencia")  # Spain and Venezuela: the person picks
    assert {"Europe/Madrid", "America/Caracas"} <= set(pick.labels)
    zone_line, _ = await user.press("Europe/Madrid")
    assert "Europe/Madrid" in zone_line.text
    await user.command("/reminders")
    await user.press("🌍 Change time zone")
    zone_line, listing = await user.send_location(latitude=37.02, longitude=-7.93)  # Faro
    assert "Europe/Lisbon" in listing.text
    assert "Europe/Lisbon" in zone_line.text
    user_row = await services.storage.get_user(user.user_id)
    assert user_row is not None
    assert user_row.time_zone == "Europe/Lisbon"


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


# --- the goals: a reminder in a few actions ------------------------------------------------


async def test_bedtime_in_a_typed_city_takes_three_actions(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-11-24T12:00:00")
    [ask] = await user.send("bedtime reminder 22:30")  # 1
    assert "time zone" in ask.text.lower()
    assert "📍 Share my location (location)" in ask.keyboard  # the phone's location button
    zone_line, confirm = await user.send("Lisbon")  # 2
    assert "Europe/Lisbon" in zone_line.text
    assert "every day at 22:30" in confirm.text
    assert "tonight at 22:30" in confirm.text
    [saved] = await user.press(SAVE)  # 3
    assert "Saved" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert (reminder.kind, reminder.local_time) == ("bedtime", "22:30")
    assert reminder.next_fire_utc == int(datetime(2026, 11, 24, 22, 30, tzinfo=UTC).timestamp())


async def test_swim_by_typing_takes_three_actions(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-11-24T12:00:00")  # a Tuesday
    await user.send("swim reminder mon wed fri 7am 45 min before")  # 1
    _, confirm = await user.send("Lisbon")  # 2
    assert "every Mon, Wed, Fri at 06:15, 45 min before your 07:00 swim" in confirm.text
    assert "Next: tomorrow at 06:15" in confirm.text  # Wednesday
    await user.press(SAVE)  # 3
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert (reminder.kind, reminder.local_time, reminder.weekdays, reminder.lead_minutes) == (
        "preswim", "07:00", 0b0010101, 45,
    )  # fmt: skip


async def test_swim_by_buttons_alone_takes_eight_actions(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-11-24T12:00:00")
    await services.storage.touch_user(user.user_id, user.user_id, "en", int(clock()))
    await services.storage.set_time_zone(user.user_id, "Europe/Lisbon")
    await user.command("/reminders")  # 1
    await user.press(PRESWIM)  # 2
    await user.press("07:00")  # 3
    for day in ("Mon", "Wed", "Fri"):  # 4, 5, 6
        await user.press(day)
    [lead] = await user.press(NEXT)  # 7
    assert "45 min" in lead.labels
    [saved] = await user.press("45 min")  # 8
    assert "06:15" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert (reminder.weekdays, reminder.lead_minutes) == (0b0010101, 45)


async def test_changing_the_time_takes_three_actions(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    await user.command("/reminders")  # 1
    await user.press(OPEN_FIRST)  # 2
    [changed] = await user.send("23:15")  # 3
    assert "Changed" in changed.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.local_time == "23:15"


async def test_typed_lead_and_days_at_their_steps(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-11-24T12:00:00")
    await user.command("/reminders")
    await user.press(PRESWIM)
    await user.send("Lisbon")
    await user.press("07:00")
    [lead] = await user.send("mon wed fri")
    assert "How long before" in lead.text
    [saved] = await user.send("45 min")
    assert "06:15" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert (reminder.weekdays, reminder.lead_minutes) == (0b0010101, 45)


async def test_a_morning_time_does_not_say_night(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    await user.command("/reminders")
    await user.press(OPEN_FIRST)
    [changed] = await user.send("09:51")
    assert "every day at 09:51" in changed.text
    assert "tomorrow at 09:51" in changed.text
    assert "night" not in changed.text.lower()


async def test_one_message_stop(user: SimUser, services: Services, clock: ManualClock) -> None:
    at(clock, "2026-11-24T12:00:00")
    await user.send("swim reminder mon wed fri 7am 45 min before")
    await user.send("Lisbon")
    await user.press(SAVE)
    [stopped] = await user.send("stop my swim reminder")
    assert "Paused" in stopped.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert not reminder.enabled
    assert reminder.next_fire_utc is None


async def test_a_cramp_in_the_middle_of_a_set_up_is_answered_and_the_set_up_waits(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-11-24T12:00:00")
    await user.command("/reminders")
    await user.press(BEDTIME)
    replies = await user.send("cramp in bed")  # at the time-zone step
    assert not any("couldn't find" in m.text for m in replies)
    assert any("stretch" in m.text.lower() for m in replies)  # the relief flow
    waiting = replies[-1]
    assert "⏰ Continue setting up your reminder" in waiting.labels
    [back] = await user.press("⏰ Continue setting up your reminder")
    assert "time zone" in back.text.lower()
    _, picker = await user.send("Lisbon")
    replies = await user.send("cramp!!")  # at the time step
    assert not any("couldn't read" in m.text for m in replies)
    [picker] = await user.press(
        "⏰ Continue setting up your reminder", message_id=replies[-1].message_id
    )
    assert "When should I remind you" in picker.text
    [saved] = await user.press("22:30")
    assert "Saved" in saved.text


async def test_snooze_says_until_when_at_once(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T12:00:00")
    await subscribe_bedtime(user)
    at(clock, "2026-01-10T22:30:20")
    await tick(services)
    await user.press("😴 Snooze 10 min")
    assert user.callback_answers[-1].text == "Snoozed until 22:40."


async def test_an_hour_reads_the_same_on_the_button_and_in_the_summary(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-11-24T12:00:00")
    await user.send("swim reminder thursdays 18:00")
    _, lead = await user.send("Lisbon")
    assert "1 h" in lead.labels
    [confirm] = await user.press("1 h")
    assert "17:00, 1 h before your 18:00 swim" in confirm.text
    assert "60 min" not in confirm.text
    [saved] = await user.press(SAVE)
    assert "1 h before" in saved.text
    [reminder] = await services.storage.reminders_of(user.user_id)
    assert reminder.lead_minutes == 60
