"""bot.reminders.setup: the set-up as a pure state machine, step by step (no Telegram)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache

import pytest

from bot.config import PROJECT_ROOT
from bot.content import load_content
from bot.reminders import phrases
from bot.reminders.kinds import Act, Kind, Step
from bot.reminders.setup import Context, Draft, Effect, SetupEngine, fire_utc, future_times

LISBON = "Europe/Lisbon"
# 2026-11-24 12:00 UTC (a Tuesday); Lisbon is on UTC in winter.
NOON = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())
KNOWN = Context(NOON, LISBON)
NEW = Context(NOON, None)


@cache
def engine() -> SetupEngine:
    return SetupEngine(phrases.vocabulary(load_content(PROJECT_ROOT / "content", "en")))


def test_bedtime_for_a_newcomer_asks_the_zone_then_the_time_then_saves() -> None:
    e = engine()
    first = e.start(Kind.BEDTIME, NEW)
    assert first.draft.step is Step.ZONE
    found = e.typed(first.draft, "Lisbon", NEW)
    assert found.zone == LISBON
    assert found.draft.step is Step.TIME
    saved = e.press(found.draft, Act.TIME, "2230", KNOWN)
    assert saved.effect is Effect.SAVE
    assert (saved.draft.kind, saved.draft.time, saved.draft.days) == (Kind.BEDTIME, "22:30", 127)


def test_swim_by_buttons_days_start_empty_then_lead_saves() -> None:
    e = engine()
    time = e.start(Kind.PRESWIM, KNOWN)
    assert time.draft.step is Step.TIME
    days = e.press(time.draft, Act.TIME, "0700", KNOWN)
    assert days.draft.step is Step.DAYS
    assert days.draft.days is None  # nothing ticked for a swim
    refused = e.press(days.draft, Act.NEXT, "", KNOWN)
    assert refused.toast == "no_days"
    assert refused.draft.step is Step.DAYS
    draft = days.draft
    for day in ("0", "2", "4"):
        draft = e.press(draft, Act.DAY, day, KNOWN).draft
    assert draft.days == 0b0010101
    lead = e.press(draft, Act.NEXT, "", KNOWN)
    assert lead.draft.step is Step.LEAD
    saved = e.press(lead.draft, Act.LEAD, "45", KNOWN)
    assert saved.effect is Effect.SAVE
    assert saved.draft.lead == 45


@pytest.mark.parametrize(("arg", "days"), [("all", 127), ("wk", 31), ("we", 96), ("none", 0)])
def test_day_shortcuts(arg: str, days: int) -> None:
    draft = Draft(Step.DAYS, Kind.PRESWIM, "07:00", 0b1)
    assert engine().press(draft, Act.DAY_SET, arg, KNOWN).draft.days == days


LEADS = [("45", 45), ("45 min", 45), ("1 h", 60), ("1h30", 90), ("an hour", 60), ("20 minutes", 20)]


@pytest.mark.parametrize(("text", "minutes"), LEADS)
def test_any_lead_can_be_typed(text: str, minutes: int) -> None:
    draft = Draft(Step.LEAD, Kind.PRESWIM, "07:00", 0b10101)
    outcome = engine().typed(draft, text, KNOWN)
    assert outcome.effect is Effect.SAVE
    assert outcome.draft.lead == minutes


def test_a_lead_that_cannot_be_read_says_so() -> None:
    draft = Draft(Step.LEAD, Kind.PRESWIM, "07:00", 0b10101)
    outcome = engine().typed(draft, "soonish", KNOWN)
    assert outcome.error == "bad_lead"
    assert outcome.draft == draft


def test_days_can_be_typed_at_the_days_step() -> None:
    draft = Draft(Step.DAYS, Kind.PRESWIM, "07:00")
    outcome = engine().typed(draft, "mon-fri", KNOWN)
    assert outcome.draft.days == 0b0011111
    assert outcome.draft.step is Step.LEAD


def test_something_else_typed_mid_set_up_is_not_swallowed() -> None:
    e = engine()
    at_time = Draft(Step.TIME, Kind.BEDTIME)
    assert e.typed(at_time, "cramp!!", KNOWN, other=True).effect is Effect.NOT_MINE
    assert e.typed(at_time, "cramp!!", KNOWN).error == "bad_time"  # not another topic either
    assert e.typed(at_time, "22:30", KNOWN, other=True).effect is Effect.SAVE  # plainly a time
    at_zone = Draft(Step.ZONE, Kind.BEDTIME)
    assert e.typed(at_zone, "cramp in bed", NEW, other=True).effect is Effect.NOT_MINE
    assert e.typed(at_zone, "cramp in bed", NEW).error == "tz_not_found"


def test_zones_faro_an_offset_and_a_choice() -> None:
    e = engine()
    at_zone = Draft(Step.ZONE, Kind.BEDTIME)
    assert e.typed(at_zone, "Faro", NEW).zone == LISBON  # not Atlantic/Faroe
    offset = e.typed(at_zone, "UTC+2", NEW)
    assert offset.draft.step is Step.ZONE_OFFSET  # warned: no summer time
    assert offset.zone is None
    kept = e.press(offset.draft, Act.ZONE_KEEP, "", NEW)
    assert kept.zone == "UTC+02:00"
    city = e.typed(offset.draft, "Berlin", NEW)  # or the city instead
    assert city.zone == "Europe/Berlin"
    pick = e.typed(at_zone, "Valencia", NEW)
    assert pick.draft.step is Step.ZONE_PICK
    chosen = e.press(pick.draft, Act.ZONE_PICK, str(pick.draft.choices.index("Europe/Madrid")), NEW)
    assert chosen.zone == "Europe/Madrid"
    assert e.press(pick.draft, Act.ZONE_PICK, "9", NEW).draft.step is Step.ZONE


def test_a_location_gives_the_zone_or_asks_for_the_city() -> None:
    at_zone = Draft(Step.ZONE, Kind.BEDTIME)
    assert engine().located(at_zone, LISBON, NEW).zone == LISBON
    lost = engine().located(at_zone, None, NEW)
    assert lost.error == "tz_no_location"
    assert lost.draft.step is Step.ZONE


def test_changing_only_the_zone_ends_there() -> None:
    e = engine()
    draft = e.change_zone(KNOWN).draft
    outcome = e.typed(draft, "Tokyo", KNOWN)
    assert outcome.effect is Effect.ZONE_SET
    assert outcome.zone == "Asia/Tokyo"


def test_a_typed_request_ends_on_a_confirmation_with_save_and_change() -> None:
    e = engine()
    vocab = phrases.vocabulary(load_content(PROJECT_ROOT / "content", "en"))
    request = phrases.parse(
        "swim reminder mon wed fri 7am 45 min before", vocab, date(2026, 11, 24)
    )
    confirm = e.from_request(request, KNOWN)
    assert confirm.draft.step is Step.CONFIRM
    assert confirm.effect is Effect.SHOW  # not saved before the person says so
    assert fire_utc(confirm.draft, KNOWN) == int(
        datetime(2026, 11, 25, 6, 15, tzinfo=UTC).timestamp()
    )
    change = e.press(confirm.draft, Act.CHANGE, "", KNOWN)
    assert change.draft.step is Step.CHANGE
    time = e.press(change.draft, Act.CHANGE, "time", KNOWN)
    assert time.draft.step is Step.TIME
    back = e.press(time.draft, Act.TIME, "0730", KNOWN)
    assert back.draft.step is Step.CONFIRM  # back to the confirmation, nothing else asked
    assert back.draft.time == "07:30"
    assert e.press(back.draft, Act.SAVE, "", KNOWN).effect is Effect.SAVE


def test_a_typed_request_asks_only_for_what_it_lacks() -> None:
    e = engine()
    vocab = phrases.vocabulary(load_content(PROJECT_ROOT / "content", "en"))
    request = phrases.parse("I swim tuesdays and thursdays at 18:00", vocab, date(2026, 11, 24))
    lead = e.from_request(request, KNOWN)
    assert lead.draft.step is Step.LEAD
    assert e.press(lead.draft, Act.LEAD, "30", KNOWN).draft.step is Step.CONFIRM
    dated = phrases.parse("remind me tomorrow at 7", vocab, date(2026, 11, 24))
    kind = e.from_request(dated, KNOWN)
    assert kind.draft.step is Step.KIND
    swim = e.press(kind.draft, Act.KIND, Kind.PRESWIM, KNOWN)
    assert swim.draft.kind is Kind.SWIM_ONCE  # a dated request is one swim
    assert swim.draft.date == "2026-11-25"
    assert swim.draft.step is Step.LEAD


def test_a_card_takes_a_typed_time_and_one_part_at_a_time() -> None:
    e = engine()
    card = e.card(7, Kind.PRESWIM, "07:00", 0b10101, 45, None)
    typed = e.typed(card, "23:00", KNOWN)
    assert typed.effect is Effect.SAVE
    assert (typed.draft.edit_id, typed.draft.time, typed.draft.lead) == (7, "23:00", 45)
    assert e.typed(card, "what is a cramp", KNOWN).effect is Effect.NOT_MINE
    assert e.typed(card, "1", KNOWN).effect is Effect.NOT_MINE  # not 01:00
    assert e.typed(card, "11pm", KNOWN).draft.time == "23:00"
    days = e.press(card, Act.CHANGE, "days", KNOWN)
    assert days.draft.step is Step.DAYS
    toggled = e.press(days.draft, Act.DAY, "1", KNOWN)
    saved = e.press(toggled.draft, Act.NEXT, "", KNOWN)
    assert saved.effect is Effect.SAVE
    assert saved.draft.days == 0b10111
    bedtime = e.card(8, Kind.BEDTIME, "22:00", 127, 0, None)
    assert e.press(bedtime, Act.CHANGE, "lead", KNOWN).draft == bedtime  # no lead to change


def test_a_swim_today_refuses_a_time_already_past() -> None:
    e = engine()
    late = Context(int(datetime(2026, 11, 24, 16, 30, tzinfo=UTC).timestamp()), LISBON)
    draft = e.start(Kind.SWIM_ONCE, late).draft
    assert draft.date == "2026-11-24"
    past = e.press(draft, Act.TIME, "1600", late)
    assert past.error == "once_past"
    assert past.draft.step is Step.TIME
    assert future_times(("07:00", "16:00", "17:00", "18:00"), late) == ("17:00", "18:00")
    lead_too_long = e.press(e.press(draft, Act.TIME, "1700", late).draft, Act.LEAD, "60", late)
    assert lead_too_long.error == "once_past"  # 16:00 would be the reminder: gone


def test_adjust_and_next_keep_the_shown_time() -> None:
    e = engine()
    draft = e.start(Kind.BEDTIME, KNOWN).draft
    earlier = e.press(draft, Act.ADJUST, "-15", KNOWN).draft
    assert earlier.time == "21:45"
    assert e.press(earlier, Act.NEXT, "", KNOWN).draft.time == "21:45"
    assert e.press(draft, Act.ADJUST, "+99", KNOWN).draft == draft


def test_drafts_survive_storage_and_the_continue_button() -> None:
    draft = Draft(Step.LEAD, Kind.SWIM_ONCE, "07:00", None, None, "2026-11-25", typed=True)
    assert Draft.from_data(draft.step.value, draft.to_data()) == draft
    packed = draft.pack()
    assert len(packed) <= 40
    assert Draft.unpack(packed) == draft
    edit = replace(draft, edit_id=12)
    assert Draft.unpack(edit.pack(), 12) == edit
    assert Draft.unpack("junk") is None


@pytest.mark.parametrize(
    "data",
    [{}, {"kind": "x", "time": "25:00", "days": "all", "lead": -5, "date": "soon"},
     {"days": True, "edit_id": 0, "choices": None}],
)  # fmt: skip
def test_junk_in_a_saved_draft_reads_as_missing(data: dict[str, object]) -> None:
    draft = Draft.from_data("nonsense", data)
    assert draft.step is Step.KIND
    assert (draft.kind, draft.time, draft.days, draft.lead, draft.date) == (None,) * 5


def test_presses_that_do_not_fit_change_nothing() -> None:
    e = engine()
    draft = Draft(Step.TIME, Kind.BEDTIME)
    for act, arg in [(Act.TIME, "2599"), (Act.TIME, "x"), (Act.DAY, "9"), (Act.LEAD, "0"),
                     (Act.KIND, "nap"), (Act.DAY_SET, "odd")]:  # fmt: skip
        assert e.press(draft, act, arg, KNOWN).draft == draft
    assert e.press(draft, Act.CANCEL, "", KNOWN).effect is Effect.CANCEL


def test_no_function_in_the_reminders_package_is_above_complexity_12() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "C901",
         "--config", "lint.mccabe.max-complexity = 12", str(PROJECT_ROOT / "bot" / "reminders")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
