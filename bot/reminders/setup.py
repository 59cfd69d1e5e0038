"""Setting up, or changing, a reminder: a pure state machine, like `FlowEngine`.

draft + event -> `Outcome` (the new draft, and what the handler should do: show the draft's
step, save it, set a zone, cancel, or leave a message that is not for the set-up to the rest
of the bot). Events are button presses (`press`), typed text (`typed`), a shared location
(`located`) and a typed request ("swim mon wed fri 7am 45 min before": `from_request`).

The set-up asks only for what is missing, in this order: kind, time zone, time, days (a
swim), lead time (a swim). A set-up made with buttons saves as soon as its last part is
picked; one that began as a typed request ends on a confirmation with Save and Change. A
change of one part from a reminder's own card saves at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from enum import StrEnum

from bot.reminders import phrases, zones
from bot.reminders.kinds import Act, Family, Kind, Step
from bot.reminders.schedule import (
    ALL_DAYS,
    format_time,
    local_now,
    next_fire_utc,
    parse_time,
    shift_time,
    zone_from_name,
)
from bot.text_schema import uses

# The errors a step is shown with (screens.with_error), and the toast for no days chosen.
uses(
    __name__,
    "reminders.toml",
    "texts",
    "bad_time bad_lead bad_days bad_input once_past tz_not_found tz_no_location no_days",
)

DEFAULT_TIME = {Kind.BEDTIME: "22:00", Kind.PRESWIM: "18:00", Kind.SWIM_ONCE: "18:00"}
LEADS = (15, 30, 45, 60)
MAX_LEAD = 180
WEEKDAYS, WEEKENDS = 0b0011111, 0b1100000
DAY_SETS = {"all": ALL_DAYS, "wk": WEEKDAYS, "we": WEEKENDS, "none": 0}
# The parts a person can change on their own, and the step that asks for each.
PARTS: Mapping[str, Step] = {
    "time": Step.TIME, "days": Step.DAYS, "lead": Step.LEAD, "tz": Step.ZONE, "kind": Step.KIND,
}  # fmt: skip
_CLOCK_LIKE = re.compile(r"\d[:.h]\d\d|\d\s*[ap]\.?\s*m|\d{3}|noon|midnight|midday", re.I)
_KIND_CODES = {Kind.BEDTIME: "b", Kind.PRESWIM: "p", Kind.SWIM_ONCE: "o"}
_STEP_CODES = {step: n for n, step in enumerate(Step)}


class Effect(StrEnum):
    SHOW = "show"  # show the draft's step
    SAVE = "save"  # store the reminder (new, or the one being edited), then show it
    CANCEL = "cancel"  # drop the draft, back to the list
    ZONE_SET = "zone_set"  # a change of time zone alone is done: back to the list
    NOT_MINE = "not_mine"  # typed text that is something else: answer it, keep the draft


@dataclass(frozen=True)
class Draft:
    """A reminder being set up or changed, kept in conversation_state between messages."""

    step: Step
    kind: Kind | None = None
    time: str | None = None  # HH:MM: the reminder's time (bedtime) or the swim's start
    days: int | None = None  # Monday-first bitmask; None: not chosen yet
    lead: int | None = None  # minutes before the swim
    date: str | None = None  # YYYY-MM-DD, for a swim once
    edit_id: int | None = None  # the reminder being changed
    typed: bool = False  # began as a typed request: ends on a confirmation
    choices: tuple[str, ...] = ()  # zones to pick from
    zone_only: bool = False  # "change time zone" from the list

    def to_data(self) -> dict[str, object]:
        return {
            "kind": self.kind.value if self.kind else None, "time": self.time,
            "days": self.days, "lead": self.lead, "date": self.date, "edit_id": self.edit_id,
            "typed": self.typed, "choices": list(self.choices), "zone_only": self.zone_only,
        }  # fmt: skip

    @classmethod
    def from_data(cls, step: str, data: Mapping[str, object]) -> Draft:
        """Back from storage; anything malformed reads as missing (the set-up asks again)."""
        kind = data.get("kind")
        return cls(
            step=Step(step) if step in Step._value2member_map_ else Step.KIND,
            kind=Kind(str(kind)) if kind in Kind._value2member_map_ else None,
            time=_clock(data.get("time")),
            days=_int(data.get("days"), 0, ALL_DAYS),
            lead=_int(data.get("lead"), 0, MAX_LEAD),
            date=_iso_date(data.get("date")),
            edit_id=_int(data.get("edit_id"), 1, 2**63 - 1),
            typed=data.get("typed") is True,
            choices=tuple(str(c) for c in data.get("choices", ()) or ()),  # type: ignore[attr-defined]
            zone_only=data.get("zone_only") is True,
        )

    def pack(self) -> str:
        """The draft as one callback argument ([a-z0-9-], under 40 characters), for the
        "Continue setting up" button: it survives another flow taking the person's state."""
        fields = [
            str(_STEP_CODES[self.step]), _KIND_CODES.get(self.kind, "n") if self.kind else "n",
            (self.time or "n").replace(":", ""), _or_n(self.days), _or_n(self.lead),
            (self.date or "n").replace("-", ""), "1" if self.typed else "0",
        ]  # fmt: skip
        return "-".join(fields)

    @classmethod
    def unpack(cls, packed: str, edit_id: int | None = None) -> Draft | None:
        parts = packed.split("-")
        if len(parts) != 7 or not parts[0].isdigit() or int(parts[0]) >= len(Step):
            return None
        step, kind, time, days, lead, day, typed = parts
        kinds = {code: k for k, code in _KIND_CODES.items()}
        return cls.from_data(
            list(Step)[int(step)].value,
            {
                "kind": kinds[kind].value if kind in kinds else None,
                "time": f"{time[:2]}:{time[2:]}" if len(time) == 4 else None,
                "days": int(days) if days.isdigit() else None,
                "lead": int(lead) if lead.isdigit() else None,
                "date": f"{day[:4]}-{day[4:6]}-{day[6:]}" if len(day) == 8 else None,
                "edit_id": edit_id, "typed": typed == "1",
            },
        )  # fmt: skip


def _or_n(value: int | None) -> str:
    return "n" if value is None else str(value)


def _int(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def _clock(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        return None
    hour, minute = int(value[:2]), int(value[3:])
    return value if hour < 24 and minute < 60 else None


def _iso_date(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Context:
    """What the engine knows of the world: the clock and the person's saved time zone."""

    now_utc: int
    zone: str | None

    def tz(self) -> tzinfo:
        return zone_from_name(self.zone or "UTC")

    def local(self) -> datetime:
        return local_now(self.tz(), self.now_utc)


@dataclass(frozen=True)
class Outcome:
    draft: Draft
    effect: Effect = Effect.SHOW
    error: str | None = None  # a reminders.toml text key shown above the step
    toast: str | None = None  # a reminders.toml text key for the button's answer
    zone: str | None = None  # a zone to save for the person now


def fire_utc(draft: Draft, ctx: Context) -> int | None:
    """When the drafted reminder would first fire (None: never, or not complete)."""
    if draft.kind is None or draft.time is None:
        return None
    hour, minute = int(draft.time[:2]), int(draft.time[3:])
    return next_fire_utc(
        draft.kind, (hour, minute), ctx.tz(), ctx.now_utc,
        weekdays=ALL_DAYS if draft.days is None else draft.days,
        lead_minutes=0 if draft.kind is Kind.BEDTIME else draft.lead or 0,
        once_date=date.fromisoformat(draft.date) if draft.date else None,
    )  # fmt: skip


def _swim_past(draft: Draft, ctx: Context) -> bool:
    if draft.kind is not Kind.SWIM_ONCE or draft.time is None or ctx.zone is None:
        return False
    return fire_utc(replace(draft, lead=0), ctx) is None


def future_times(times: tuple[str, ...], ctx: Context) -> tuple[str, ...]:
    """The quick-pick times still ahead today (for "I'm swimming today")."""
    now = ctx.local()
    current = f"{now.hour:02d}:{now.minute:02d}"
    return tuple(t for t in times if t > current)


class SetupEngine:
    def __init__(self, vocabulary: phrases.Vocabulary) -> None:
        self.vocabulary = vocabulary

    # --- starting -----------------------------------------------------------------------

    def start(self, kind: Kind | None, ctx: Context) -> Outcome:
        draft = Draft(Step.KIND, kind=kind, days=ALL_DAYS if kind is Kind.BEDTIME else None)
        if kind is Kind.SWIM_ONCE:
            draft = replace(draft, date=ctx.local().date().isoformat())
        return self._advance(draft, ctx)

    def change_zone(self, ctx: Context) -> Outcome:
        return Outcome(Draft(Step.ZONE, zone_only=True))

    def from_request(self, request: phrases.Request, ctx: Context) -> Outcome:
        """A typed request: what it says is filled in, the rest is asked for."""
        kind = None
        if request.kind is Family.BEDTIME:
            kind = Kind.BEDTIME
        elif request.kind is Family.SWIM:
            kind = Kind.SWIM_ONCE if request.date else Kind.PRESWIM
        draft = Draft(
            Step.KIND, kind=kind,
            time=format_time(*request.at) if request.at else None,
            days=ALL_DAYS if kind is Kind.BEDTIME and request.days is None else request.days,
            lead=request.lead if kind is not Kind.BEDTIME else 0,
            date=request.date.isoformat() if request.date and kind is not Kind.BEDTIME
            else None,
            typed=True,
        )  # fmt: skip
        if kind is None and request.date:
            draft = replace(draft, date=request.date.isoformat())
        return self._advance(draft, ctx)

    def card(
        self, edit_id: int, kind: Kind, time: str, days: int, lead: int, once: str | None
    ) -> Draft:
        """An existing reminder, shown on its own card, ready to change one part."""
        return Draft(Step.CARD, kind, time, days, lead, once, edit_id)

    # --- the order of questions ---------------------------------------------------------

    @staticmethod
    def _missing(draft: Draft, ctx: Context) -> Step:
        if draft.zone_only:
            return Step.ZONE
        if draft.kind is None:
            return Step.KIND
        if ctx.zone is None:
            return Step.ZONE
        if draft.time is None:
            return Step.TIME
        if draft.kind is Kind.PRESWIM and not draft.days:
            return Step.DAYS
        if draft.kind is not Kind.BEDTIME and draft.lead is None:
            return Step.LEAD
        return Step.CONFIRM

    def _advance(self, draft: Draft, ctx: Context) -> Outcome:
        if _swim_past(draft, ctx):
            # A swim today that has begun already: a later time, please.
            return Outcome(replace(draft, step=Step.TIME, time=None), error="once_past")
        step = self._missing(draft, ctx)
        if step is not Step.CONFIRM:
            return Outcome(replace(draft, step=step))
        if fire_utc(draft, ctx) is None:
            # A swim today whose reminder time has passed: a later time, please.
            return Outcome(replace(draft, step=Step.TIME, time=None), error="once_past")
        if draft.typed:
            return Outcome(replace(draft, step=Step.CONFIRM))
        return Outcome(replace(draft, step=Step.CONFIRM), Effect.SAVE)

    # --- buttons ------------------------------------------------------------------------

    def press(self, draft: Draft, act: Act, arg: str, ctx: Context) -> Outcome:
        """A button on the set-up message. A press that does not fit the step re-shows it."""
        handler = _PRESSES.get(act)
        if handler is None:
            return Outcome(draft)
        return handler(self, draft, arg, ctx)

    def _kind(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if arg not in Kind._value2member_map_:
            return Outcome(draft)
        kind = Kind(arg)
        if kind is Kind.PRESWIM and draft.date:
            kind = Kind.SWIM_ONCE  # a dated request ("tomorrow at 7") is one swim
        day = draft.date or ctx.local().date().isoformat()
        changed = replace(
            draft, kind=kind, date=day if kind is Kind.SWIM_ONCE else None,
            days=ALL_DAYS if kind is Kind.BEDTIME else draft.days,
            lead=0 if kind is Kind.BEDTIME else (draft.lead or None),
        )  # fmt: skip
        return self._advance(changed, ctx)

    def _time(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if not (len(arg) == 4 and arg.isdigit() and int(arg[:2]) < 24 and int(arg[2:]) < 60):
            return Outcome(draft)
        return self._advance(replace(draft, time=f"{arg[:2]}:{arg[2:]}"), ctx)

    def _adjust(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if draft.step is not Step.TIME or arg not in ("+15", "-15"):
            return Outcome(draft)
        base = draft.time or DEFAULT_TIME[draft.kind or Kind.BEDTIME]
        hour, minute = shift_time(int(base[:2]), int(base[3:]), int(arg))
        return Outcome(replace(draft, time=format_time(hour, minute)))

    def _next(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if draft.step is Step.TIME:
            time = draft.time or DEFAULT_TIME[draft.kind or Kind.BEDTIME]
            return self._advance(replace(draft, time=time), ctx)
        if draft.step is Step.DAYS:
            if not draft.days:
                return Outcome(draft, toast="no_days")
            return self._advance(draft, ctx)
        return Outcome(draft)

    def _day(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if not (arg.isdigit() and int(arg) < 7):
            return Outcome(draft)
        return Outcome(replace(draft, days=(draft.days or 0) ^ (1 << int(arg))))

    def _day_set(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if arg not in DAY_SETS:
            return Outcome(draft)
        return Outcome(replace(draft, days=DAY_SETS[arg]))

    def _lead(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if not (arg.isdigit() and 0 < int(arg) <= MAX_LEAD):
            return Outcome(draft)
        return self._advance(replace(draft, lead=int(arg)), ctx)

    def _zone_pick(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if not (arg.isdigit() and int(arg) < len(draft.choices)):
            return Outcome(replace(draft, step=Step.ZONE))
        return self._zone_chosen(draft, draft.choices[int(arg)], ctx)

    def _zone_keep(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if draft.step is not Step.ZONE_OFFSET or not draft.choices:
            return Outcome(replace(draft, step=Step.ZONE))
        return self._zone_chosen(draft, draft.choices[0], ctx)

    def _zone_again(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        return Outcome(replace(draft, step=Step.ZONE, choices=()))

    def _save(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        if self._missing(draft, ctx) is not Step.CONFIRM or fire_utc(draft, ctx) is None:
            return self._advance(draft, ctx)
        return Outcome(replace(draft, step=Step.CONFIRM), Effect.SAVE)

    def _change(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        step = PARTS.get(arg, Step.CHANGE)
        if (step is Step.DAYS and draft.kind is Kind.SWIM_ONCE) or (
            step is Step.LEAD and draft.kind is Kind.BEDTIME
        ):
            return Outcome(draft)  # a one-off has no days, a bedtime stretch no lead
        return Outcome(replace(draft, step=step))

    def _cancel(self, draft: Draft, arg: str, ctx: Context) -> Outcome:
        return Outcome(draft, Effect.CANCEL)

    def _zone_chosen(self, draft: Draft, zone: str, ctx: Context) -> Outcome:
        if draft.zone_only:
            return Outcome(replace(draft, choices=()), Effect.ZONE_SET, zone=zone)
        with_zone = Context(ctx.now_utc, zone)
        outcome = self._advance(replace(draft, choices=()), with_zone)
        return replace(outcome, zone=zone)

    # --- typed text ---------------------------------------------------------------------

    def typed(self, draft: Draft, text: str, ctx: Context, *, other: bool = False) -> Outcome:
        """Text typed while the set-up waits. `other`: the rest of the bot understood it as
        something else (a cramp now, a question): unless the text is plainly what this step
        asks for, it is left to the rest of the bot (NOT_MINE) and the draft waits."""
        if draft.step in (Step.ZONE, Step.ZONE_PICK, Step.ZONE_OFFSET):
            return self._typed_zone(draft, text, ctx, other)
        plain = self._plain(draft, text)
        if plain is not None:
            return self._advance(plain, ctx)
        if other or draft.step is Step.CARD:  # a card takes a new time, nothing else
            return Outcome(draft, Effect.NOT_MINE)
        today = ctx.local().date()
        request = phrases.parse(text, self.vocabulary, today, fragment=True)
        merged = _merge(draft, request)
        if merged == draft:
            return Outcome(draft, error=_ERRORS.get(draft.step, "bad_input"))
        return self._advance(merged, ctx)

    def _plain(self, draft: Draft, text: str) -> Draft | None:
        """The text is exactly what this step asks for: a time ('22:30', '7am') at the time
        step or on a card, minutes ('45', '1 h') at the lead step."""
        if draft.step in (Step.TIME, Step.CARD, Step.CONFIRM):
            # Where no time was asked for, a bare '1' is not taken for 01:00.
            if draft.step is not Step.TIME and not _CLOCK_LIKE.search(text):
                return None
            parsed = parse_time(text)
            return replace(draft, time=format_time(*parsed)) if parsed else None
        if draft.step is Step.LEAD:
            minutes = _minutes(text, self.vocabulary)
            if minutes is not None and 0 < minutes <= MAX_LEAD:
                return replace(draft, lead=minutes)
        return None

    def _typed_zone(self, draft: Draft, text: str, ctx: Context, other: bool) -> Outcome:
        matches = zones.resolve_zone(text)
        if not matches or (other and matches[0].score < 100):
            if other:
                return Outcome(draft, Effect.NOT_MINE)
            return Outcome(replace(draft, step=Step.ZONE, choices=()), error="tz_not_found")
        best = matches[0]
        if zones.is_fixed_offset(best.name):
            # A fixed offset will not follow summer time: say so, offer the city instead.
            return Outcome(replace(draft, step=Step.ZONE_OFFSET, choices=(best.name,)))
        clear = best.score == 100 and (len(matches) == 1 or matches[1].score < 100)
        if clear:
            return self._zone_chosen(draft, best.name, ctx)
        return Outcome(replace(draft, step=Step.ZONE_PICK, choices=tuple(m.name for m in matches)))

    def located(self, draft: Draft, zone: str | None, ctx: Context) -> Outcome:
        """A shared location, already mapped to its zone (None: at sea, or unknown)."""
        if zone is None:
            return Outcome(replace(draft, step=Step.ZONE), error="tz_no_location")
        return self._zone_chosen(draft, zone, ctx)


_ERRORS = {Step.TIME: "bad_time", Step.LEAD: "bad_lead", Step.DAYS: "bad_days"}

_PRESSES = {
    Act.KIND: SetupEngine._kind,
    Act.TIME: SetupEngine._time,
    Act.ADJUST: SetupEngine._adjust,
    Act.NEXT: SetupEngine._next,
    Act.DAY: SetupEngine._day,
    Act.DAY_SET: SetupEngine._day_set,
    Act.DAYS_DONE: SetupEngine._next,
    Act.LEAD: SetupEngine._lead,
    Act.ZONE_PICK: SetupEngine._zone_pick,
    Act.ZONE_KEEP: SetupEngine._zone_keep,
    Act.ZONE_AGAIN: SetupEngine._zone_again,
    Act.SAVE: SetupEngine._save,
    Act.CHANGE: SetupEngine._change,
    Act.CANCEL: SetupEngine._cancel,
}


def _minutes(text: str, vocabulary: phrases.Vocabulary) -> int | None:
    """'45', '45 min', '1 h', '1h30', 'an hour' -> minutes."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        return int(cleaned)
    return phrases.duration_of(cleaned, vocabulary)


def _merge(draft: Draft, request: phrases.Request) -> Draft:
    """What a typed fragment adds to a draft (a part already set is replaced)."""
    kind = draft.kind
    if kind is None and request.kind is Family.BEDTIME:
        kind = Kind.BEDTIME
    elif kind is None and request.kind is Family.SWIM:
        kind = Kind.SWIM_ONCE if request.date or draft.date else Kind.PRESWIM
    merged = replace(
        draft, kind=kind,
        time=format_time(*request.at) if request.at else draft.time,
        days=request.days if request.days and kind is not Kind.SWIM_ONCE else draft.days,
        lead=request.lead if request.lead and kind is not Kind.BEDTIME else draft.lead,
    )  # fmt: skip
    if kind is Kind.SWIM_ONCE and request.date:
        merged = replace(merged, date=request.date.isoformat())
    return merged
