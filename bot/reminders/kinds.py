"""The names the reminder code shares: kinds of reminder, set-up steps and button actions.

Stored and sent values are the enum values (strings), so rows written before these enums
existed read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a stored reminder is."""

    BEDTIME = "bedtime"  # a massage and stretch at bedtime, on chosen days (every day at first)
    PRESWIM = "preswim"  # a warm-up nudge some minutes before each swim, on the swim days
    SWIM_ONCE = "swim_once"  # the same, once, for one swim on one date


class Family(StrEnum):
    """What a person asks for: a bedtime reminder or a swim one (regular or once)."""

    BEDTIME = "bedtime"
    SWIM = "swim"


def family_of(kind: Kind) -> Family:
    return Family.BEDTIME if kind is Kind.BEDTIME else Family.SWIM


class Step(StrEnum):
    """Where a set-up is (saved in conversation_state.step)."""

    KIND = "kind"
    ZONE = "tz"
    ZONE_PICK = "tzpick"
    ZONE_OFFSET = "tzoff"
    TIME = "time"
    DAYS = "days"
    LEAD = "lead"
    CONFIRM = "confirm"
    CHANGE = "change"  # which part to change, from the confirmation
    CARD = "card"  # an existing reminder's own card
    UNDO = "undo"  # just deleted: Undo brings it back


class Act(StrEnum):
    """Reminder button actions (the first argument of an 'r' callback)."""

    # set-up
    KIND = "k"  # arg: bedtime | preswim | swim_once
    TIME = "t"  # arg: HHMM
    ADJUST = "adj"  # arg: +15 | -15
    DAY = "day"  # arg: 0..6
    DAY_SET = "ds"  # arg: all | wk | we | none
    DAYS_DONE = "days"
    LEAD = "lead"  # arg: minutes
    ZONE_PICK = "zp"  # arg: index into the draft's choices
    ZONE_KEEP = "zk"  # keep a fixed offset
    ZONE_AGAIN = "tzn"  # search again
    NEXT = "ok"  # the time shown (after -15/+15), or the days ticked, are right
    SAVE = "sv"
    CHANGE = "ch"  # arg (optional): the part to change: time | days | lead | tz | kind
    CANCEL = "x"
    CONTINUE = "go"  # arg: a packed draft (after another message came in between)
    # the list and a reminder's card
    LIST = "list"
    PAGE = "pg"
    ADD = "add"
    ZONE = "tz"
    CARD = "c"  # arg: reminder id
    PAUSE = "p"
    RESUME = "u"
    DELETE = "d"
    UNDO = "un"
    RESUME_ALL = "ra"
    KEEP_PAUSED = "rk"
    # on a reminder message
    DONE = "done"
    SNOOZE = "snz"
    STOP = "stop"


# Actions that only make sense on the set-up message they were shown on.
SETUP_ACTS = frozenset({
    Act.KIND, Act.TIME, Act.ADJUST, Act.NEXT, Act.DAY, Act.DAY_SET, Act.DAYS_DONE, Act.LEAD,
    Act.ZONE_PICK, Act.ZONE_KEEP, Act.ZONE_AGAIN, Act.SAVE, Act.CHANGE,
})  # fmt: skip
# Actions on one reminder, by id.
REMINDER_ACTS = frozenset({Act.PAUSE, Act.RESUME, Act.DELETE, Act.CARD, Act.DONE, Act.SNOOZE,
                           Act.STOP})  # fmt: skip
