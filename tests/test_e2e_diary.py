"""The cramp diary end to end through the local Bot API server: consent first (nothing stored
before Yes), logging from both relief flows, past cramps in words and by buttons, /diary with
its chart, the doctor note, the PDF and CSV for the doctor, /diary off and /forget."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from bench import seed
from bot.app import BotApp
from bot.services import Services
from bot.storage import NewEntry
from sandbox.server import FakeBotApi
from sandbox.store import ChatMessage
from sandbox.user import SimUser
from tests import peek
from tests.conftest import ManualClock
from tests.test_e2e_reminders import subscribe_bedtime

BED = "🛏 Cramp in bed / on land"
EASED = "✅ It eased"
NEXT = "➡️ Try something else"
SEVERE = "🚨 Over 10 min or severe"
YES = "✅ Yes, keep a diary"
NO = "No, thanks"
WHAT = "ℹ️ What is stored"


async def diary_rows(services: Services, user_id: int) -> int:
    return await services.storage.count_diary_entries(user_id)


async def bed_flow_to_the_end(
    user: SimUser, clock: ManualClock, minutes: int = 3
) -> list[ChatMessage]:
    await user.command("/cramp")
    await user.press(BED)
    await user.press(NEXT)
    clock.advance(minutes * 60)
    await user.press(EASED)
    return await user.press("Rubbing the calf")


async def test_consent_is_asked_once_and_nothing_is_stored_before_yes(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    shown = await bed_flow_to_the_end(user, clock)
    ask = [m for m in shown if YES in m.labels]
    assert len(ask) == 1
    assert "private cramp diary" in ask[0].text
    assert {NO, WHAT} <= set(ask[0].labels)
    assert await diary_rows(services, user.user_id) == 0
    assert await services.storage.diary_settings(user.user_id) is not None  # asked, no answer
    # A second flow does not ask again, and still stores nothing.
    shown = await bed_flow_to_the_end(user, clock)
    assert not [m for m in shown if YES in m.labels]
    assert await diary_rows(services, user.user_id) == 0
    # Yes on the question saves the cramp that ended the first flow.
    [what] = await user.press(WHAT, message_id=ask[0].message_id)
    assert "minutes until it eased" in what.text
    [done] = await user.press(YES, message_id=ask[0].message_id)
    assert "Diary on" in done.text
    [entry] = await services.storage.diary_entries(user.user_id, None)
    assert entry.helped == "massage"
    assert entry.tried == ("stretch", "massage")
    assert entry.minutes_to_ease == 3
    assert entry.source == "flow"


async def say_yes(user: SimUser, clock: ManualClock) -> None:
    """Turn the diary on from /diary (nothing logged by that)."""
    [intro] = await user.command("/diary")
    assert "Nothing is kept unless you say yes" in intro.text
    [on] = await user.press(YES)
    assert "Diary on" in on.text


async def open_diary(user: SimUser) -> ChatMessage:
    """/diary: the chart is drawn in the drawing process, then the month's summary comes;
    wait for the summary (its signal, not a sleep)."""
    # The first chart starts the drawing process: on a loaded machine that takes seconds.
    await user.command("/diary", expect_reply=False, timeout=30)
    chat = await user.wait_for(lambda chat: "Your cramp diary" in chat[-1].text, timeout=30)
    return chat[-1]


def at(clock: ManualClock, iso: str) -> None:
    clock.now = datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()


async def test_no_means_nothing_kept_and_no_second_question(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T09:30:00")
    shown = await bed_flow_to_the_end(user, clock)
    [ask] = [m for m in shown if YES in m.labels]
    [no] = await user.press(NO, message_id=ask.message_id)
    assert "nothing was kept" in no.text
    shown = await bed_flow_to_the_end(user, clock)
    assert not [m for m in shown if YES in m.labels]
    # A past cramp in words is left to the router: no diary offer.
    replies = await user.send("cramp in my left calf last night around 3")
    assert not any(YES in m.labels for m in replies)
    assert await diary_rows(services, user.user_id) == 0
    settings = await services.storage.diary_settings(user.user_id)
    assert settings is not None
    assert settings.status == "no"


async def test_both_flows_log_once_the_diary_is_on(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T03:00:00")
    await say_yes(user, clock)
    assert await diary_rows(services, user.user_id) == 0  # saying yes logs nothing by itself
    await bed_flow_to_the_end(user, clock, minutes=4)
    [bed] = await services.storage.diary_entries(user.user_id, None)
    assert (bed.place, bed.helped, bed.minutes_to_ease, bed.severe) == ("bed", "massage", 4, False)
    # The swim flow, an hour later: one more entry, in the water.
    clock.advance(3600)
    await user.send("got a cramp in the pool")
    await user.press("🚶 I'm out of the water")
    entries = await services.storage.diary_entries(user.user_id, None)
    assert [e.place for e in entries] == ["water", "bed"]
    # A severe press, hours later, is noted as severe.
    clock.advance(5 * 3600)
    await user.command("/cramp")
    await user.press(SEVERE)
    newest = (await services.storage.diary_entries(user.user_id, None))[0]
    assert newest.severe
    assert newest.place == "land"


async def test_a_past_cramp_in_words_is_confirmed_then_saved(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T09:30:00")
    await say_yes(user, clock)
    [confirm] = await user.send("cramp in my left calf last night around 3")
    assert "Add this cramp" in confirm.text
    assert "03:00" in confirm.text
    assert "left calf" in confirm.text
    assert "in bed" in confirm.text
    [later] = await user.press("+1 h")
    assert "04:00" in later.text
    assert await diary_rows(services, user.user_id) == 0  # a draft lives in its buttons
    [saved] = await user.press("✅ Save")
    assert "Saved" in saved.text
    [entry] = await services.storage.diary_entries(user.user_id, None)
    assert entry.local().isoformat() == "2026-01-10T04:00:00+00:00"
    assert (entry.side, entry.muscle, entry.place, entry.source) == ("left", "calf", "bed", "typed")


async def test_a_past_cramp_by_buttons_and_its_edit_and_delete(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T09:30:00")
    await say_yes(user, clock)
    await open_diary(user)
    [pick] = await user.press("➕ Add a past cramp")
    assert "When was the cramp" in pick.text
    [confirm] = await user.press("🌙 Last night")
    assert "(time guessed)" in confirm.text
    [land] = await user.press("Place: 🛏 in bed")
    assert "on land" in land.text
    [water] = await user.press("Place: 🚶 on land")
    assert "in the water" in water.text
    await user.press("✅ Save")
    [entry] = await services.storage.diary_entries(user.user_id, None)
    assert (entry.place, entry.source) == ("water", "buttons")
    await open_diary(user)
    [listing] = await user.press("✏️ Change or delete")
    [label] = [x for x in listing.labels if "in the water" in x]
    [shown] = await user.press(label)
    assert "Tried: -" in shown.text
    [severe] = await user.press("Mark as severe")
    assert "severe" in severe.text
    assert (await services.storage.diary_entries(user.user_id, None))[0].severe
    await user.press("🗑 Delete this entry")
    assert await diary_rows(services, user.user_id) == 0


def entry(when: str, place: str = "bed", **extra: object) -> NewEntry:
    moment = datetime.fromisoformat(when).replace(tzinfo=UTC)
    values: dict[str, object] = {
        "occurred_utc": int(moment.timestamp()), "zone": "UTC", "place": place,
        "tried": ("stretch",), "helped": None, "minutes_to_ease": 2, "severe": False,
        "source": "typed", "side": None, "muscle": None,
    }  # fmt: skip
    values.update(extra)
    return NewEntry(**values)  # type: ignore[arg-type]


async def test_diary_shows_the_month_and_the_doctor_note_when_the_rule_fires(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-20T10:00:00")
    await say_yes(user, clock)
    # Three nights in each of the last two weeks: frequent, and sleep disturbed.
    nights = ["2026-01-08", "2026-01-10", "2026-01-12", "2026-01-15", "2026-01-17", "2026-01-19"]
    await seed.add_diary_entries(
        services.storage,
        user.user_id,
        [entry(f"{d}T03:00:00", helped="massage") for d in nights],
        int(clock.now),
    )
    summary = await open_diary(user)
    photo = user.chat[-2]
    assert photo.kind == "photo"
    assert photo.file is not None
    assert photo.file.startswith(b"\x89PNG")
    assert "Cramps per day" in photo.text
    assert "This week: 3" in summary.text
    assert "the week before: 3" in summary.text
    assert "rubbing the calf" in summary.text
    assert "see a doctor soon" in summary.text
    assert "3 or more days a week, 2 weeks running" in summary.text
    assert "not a diagnosis" in summary.text
    assert {"📄 Share with your doctor", "⏹ Stop the diary"} <= set(summary.labels)


async def test_no_doctor_note_below_the_rule(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-20T10:00:00")
    await say_yes(user, clock)
    nights = ["2026-01-08", "2026-01-10", "2026-01-15", "2026-01-17", "2026-01-19"]
    await seed.add_diary_entries(
        services.storage,
        user.user_id,
        [entry(f"{d}T14:00:00", place="land") for d in nights],
        int(clock.now),
    )
    summary = await open_diary(user)
    assert "doctor soon" not in summary.text
    assert "This week: 3" in summary.text


async def test_share_sends_a_one_page_pdf_and_a_csv(
    user: SimUser, services: Services, clock: ManualClock, api: FakeBotApi
) -> None:
    at(clock, "2026-01-20T10:00:00")
    await say_yes(user, clock)
    await seed.add_diary_entries(
        services.storage,
        user.user_id,
        [entry("2026-01-19T03:10:00", helped="massage", side="left", muscle="calf"),
         entry("2026-01-18T15:00:00", place="water", severe=True, minutes_to_ease=None)],
        int(clock.now),
    )  # fmt: skip
    await open_diary(user)
    [meds] = await user.press("💊 Medicines")
    assert "Never stop a medicine" in meds.text
    # A warning sign in the answer is shown first, and the answer is still kept.
    warning, noted = await user.send("atorvastatin 20 mg since October")
    assert "doctor" in warning.text.lower()
    assert "atorvastatin" in noted.text
    # The PDF is drawn in a low-priority process: on a busy machine that takes seconds.
    await user.press("📄 Share with your doctor", expect_reply=False, timeout=30)
    chat = await user.wait_for(
        lambda chat: sum(m.kind == "document" for m in chat) == 2, timeout=30
    )
    pdf, table = (m for m in chat if m.kind == "document")
    assert pdf.kind == table.kind == "document"
    assert pdf.file is not None
    assert pdf.file.startswith(b"%PDF")
    assert pdf.file.count(b"/Type /Page\n") + pdf.file.count(b"/Type /Page ") == 1
    assert pdf.file_name == "cramp-diary-2026-01-20.pdf"
    assert "For your doctor" in pdf.text
    assert table.file is not None
    rows = list(csv.reader(io.StringIO(table.file.decode("utf-8-sig"))))
    assert rows[0][:4] == ["date", "time", "time_zone", "place"]
    assert rows[1][:6] == ["2026-01-18", "15:00", "UTC", "water", "", ""]
    assert rows[1][9] == "yes"
    assert rows[2][:7] == ["2026-01-19", "03:10", "UTC", "bed", "left", "calf", "stretch"]
    assert rows[2][7] == "massage"
    assert len(rows) == 3


async def test_diary_off_stops_and_offers_to_delete(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T03:00:00")
    await say_yes(user, clock)
    await bed_flow_to_the_end(user, clock)
    assert await diary_rows(services, user.user_id) == 1
    [off] = await user.command("/diary", "off")
    assert "Cramps noted so far: 1. Delete them too?" in off.text
    # Stopped: a new flow is not noted.
    await bed_flow_to_the_end(user, clock)
    assert await diary_rows(services, user.user_id) == 1
    [gone] = await user.press("🗑 Delete my diary", message_id=off.message_id)
    assert "deleted" in gone.text
    assert await diary_rows(services, user.user_id) == 0
    [again] = await user.command("/diary", "off")
    assert "The diary is off" in again.text


async def test_forget_deletes_the_diary_with_everything_else(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T03:00:00")
    await say_yes(user, clock)
    await bed_flow_to_the_end(user, clock)
    await services.storage.add_stretch_night(user.user_id, date(2026, 1, 9), int(clock.now))
    await services.storage.set_diary_medicines(user.user_id, "atorvastatin")
    [ask] = await user.command("/forget")
    assert "cramp diary" in ask.text
    await user.press("🗑 Yes, delete my data")
    assert await peek.rows_mentioning_user(services.storage, user.user_id) == 0
    # Starting afresh: the diary asks again, as for someone new.
    [intro] = await user.command("/diary")
    assert YES in intro.labels


async def test_done_on_the_bedtime_reminder_marks_the_night_and_the_weekly_note(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-08T12:00:00")  # a Thursday
    await say_yes(user, clock)
    await subscribe_bedtime(user)
    at(clock, "2026-01-08T22:30:20")
    assert services.scheduler is not None
    await services.scheduler.tick()
    await user.press("✅ Done")
    assert await services.storage.stretch_nights(user.user_id, date(2026, 1, 1)) == {
        date(2026, 1, 8)
    }
    await seed.add_diary_entries(
        services.storage,
        user.user_id,
        [entry("2026-01-09T02:00:00"), entry("2026-01-10T02:00:00")],
        int(clock.now),
    )
    month = await open_diary(user)
    [turned_on] = await user.press("🗓 Weekly note: turn on", message_id=month.message_id)
    assert "🗓 Weekly note: turn off" in turned_on.labels
    assert services.weekly is not None
    at(clock, "2026-01-11T18:59:00")  # Sunday, 18:59 in London
    assert (await services.weekly.tick()).sent == 0
    at(clock, "2026-01-11T19:00:30")
    assert (await services.weekly.tick()).sent == 1
    assert (await services.weekly.tick()).sent == 0  # never twice
    note = user.chat[-1]
    assert "Your week" in note.text
    assert "2 cramp(s)" in note.text
    assert "🧘" in note.text  # Thursday's stretch is marked
    assert "📓 My diary" in note.labels
    assert await peek.weekly_note_counts(services.storage) == {"sent": 1}


async def test_a_past_cramp_told_before_any_diary_is_kept_only_on_yes(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T09:30:00")
    [offer] = await user.send("had a cramp in my right foot yesterday at 5pm")
    assert "nothing is kept unless you say yes" in offer.text
    assert await services.storage.diary_settings(user.user_id) is None
    assert await diary_rows(services, user.user_id) == 0
    [on] = await user.press(YES)
    assert "I noted this cramp" in on.text
    [entry] = await services.storage.diary_entries(user.user_id, None)
    assert entry.local().isoformat() == "2026-01-09T17:00:00+00:00"
    assert (entry.side, entry.muscle, entry.place) == ("right", "foot", "land")


async def test_a_cramp_now_is_not_taken_for_a_past_one(user: SimUser, clock: ManualClock) -> None:
    at(clock, "2026-01-10T09:30:00")
    await say_yes(user, clock)
    [flow] = await user.send("cramp right now, it started last night")
    assert "Hold the stretch" in flow.text  # the bed flow's stretch, not a diary draft


async def test_weekly_note_in_doubt_is_never_resent_and_one_refused_is_retried(
    user: SimUser, services: Services, clock: ManualClock, api: FakeBotApi
) -> None:
    at(clock, "2026-01-08T12:00:00")
    await say_yes(user, clock)
    month = await open_diary(user)
    await user.press("🗓 Weekly note: turn on", message_id=month.message_id)
    assert services.weekly is not None
    # Sunday 19:00 UTC: the front refuses it (502, not processed): tried again next sweep.
    at(clock, "2026-01-11T19:00:30")
    api.faults.add("502", method="sendMessage", chat_id=user.user_id)
    assert (await services.weekly.tick()).sent == 0
    assert (await services.weekly.tick()).sent == 1
    # The next Sunday an answer that is not Telegram's: in doubt, never sent again.
    at(clock, "2026-01-18T19:00:30")
    api.faults.add("html200", method="sendMessage", chat_id=user.user_id)
    await services.weekly.tick()
    await services.weekly.tick()
    assert await peek.weekly_note_counts(services.storage) == {"sent": 1, "failed": 1}
    assert sum("Your week" in m.text for m in user.chat) == 1


async def test_times_are_in_utc_until_the_time_zone_is_set(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T09:30:00")
    await say_yes(user, clock)
    month = await open_diary(user)
    assert "Times are in UTC" in month.text
    [ask] = await user.press("🌍 Change time zone", message_id=month.message_id)
    assert "time zone" in ask.text.lower()
    zone_line, _ = await user.send("Tokyo")  # the zone is set at once
    assert "Asia/Tokyo" in zone_line.text
    month = await open_diary(user)
    assert "Times are in UTC" not in month.text
    assert "🌍 Change time zone" not in month.labels


async def test_every_method_tried_is_noted_without_an_ease(
    user: SimUser, services: Services, clock: ManualClock
) -> None:
    at(clock, "2026-01-10T23:00:00")
    await say_yes(user, clock)
    await user.command("/cramp")
    await user.press(BED)
    for _ in range(7):  # six more methods, then the end of the list
        [shown] = await user.press(NEXT)
    assert "tried every method" in shown.text
    [entry] = await services.storage.diary_entries(user.user_id, None)
    assert len(entry.tried) == 7
    assert (entry.minutes_to_ease, entry.helped, entry.place) == (None, None, "bed")


MEDICINE = {
    "en": "ramipril 5 mg",
    "es": "ramipril 5 mg cada mañana",
    "ru": "рамиприл 5 мг утром",
    "zh": "雷米普利 5 mg，每天早上",
}


@pytest.mark.parametrize("language", sorted(MEDICINE))
async def test_medicines_are_kept_and_cleared_in_each_language(
    api: FakeBotApi, running_bot: BotApp, services: Services, clock: ManualClock, language: str
) -> None:
    """The word the prompt suggests ("none", "no", "нет", "无") clears the list, in the
    person's language; anything else is kept as typed."""
    diary = services.locales[language].content.diary
    assert diary is not None
    buttons, texts = diary.buttons, diary.texts
    user = api.user(user_id=6001, first_name="Sam", language_code=language)
    at(clock, "2026-01-20T10:00:00")
    await user.command("/diary")
    await user.press(buttons["yes"])

    async def ask() -> ChatMessage:
        await user.command("/diary", expect_reply=False, timeout=30)
        chat = await user.wait_for(lambda chat: buttons["medicines"] in chat[-1].labels, timeout=30)
        [asked] = await user.press(buttons["medicines"], message_id=chat[-1].message_id)
        return asked

    asked = await ask()
    assert asked.text.startswith("💊")
    [saved] = await user.send(MEDICINE[language])
    assert MEDICINE[language] in saved.text
    settings = await services.storage.diary_settings(user.user_id)
    assert settings is not None
    assert settings.medicines == MEDICINE[language]
    suggested = re.findall(r"<code>([^<]+)</code>", texts["medicines_ask"])[-1]
    await ask()
    [cleared] = await user.send(suggested.upper() + ".")
    assert cleared.text == texts["medicines_cleared"].replace("<b>", "").replace("</b>", "")
    settings = await services.storage.diary_settings(user.user_id)
    assert settings is not None
    assert settings.medicines == ""
