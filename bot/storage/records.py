"""The rows the bot reads back, as plain frozen dataclasses.

Pure modules (reminders/screens.py, reminders/setup.py...) import these without pulling in
aiosqlite or any SQL. Times are integer Unix seconds (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class User:
    user_id: int
    chat_id: int
    language: str
    time_zone: str | None
    first_seen_utc: int
    last_seen_utc: int
    blocked_utc: int | None
    # The person chose `language` themselves (/language): it wins over Telegram's.
    language_chosen: bool = False


@dataclass(frozen=True)
class ConversationState:
    user_id: int
    flow: str
    step: str
    message_id: int | None
    started_utc: int
    updated_utc: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Reminder:
    id: int
    user_id: int
    kind: str
    local_time: str
    weekdays: int
    lead_minutes: int
    once_date: str | None
    enabled: bool
    next_fire_utc: int | None
    disabled_reason: str | None

    @property
    def finished(self) -> bool:
        """A one-off that has fired (or was skipped): on, but never again."""
        return self.kind == "swim_once" and self.enabled and self.next_fire_utc is None


@dataclass(frozen=True)
class DueReminder:
    """A reminder whose next_fire_utc has come, with what is needed to plan the next one."""

    id: int
    user_id: int
    chat_id: int
    kind: str
    local_time: str
    weekdays: int
    lead_minutes: int
    once_date: str | None
    next_fire_utc: int
    time_zone: str | None


@dataclass(frozen=True)
class Claim:
    """The sweep's decision for one due reminder."""

    reminder_id: int
    fire_utc: int  # the next_fire_utc that was due (guards against a concurrent claim)
    send: bool  # False: too late (past the grace window), skip this occurrence
    next_fire_utc: int | None  # None: never again (a one-off swim)


@dataclass(frozen=True)
class Delivery:
    id: int
    reminder_id: int
    user_id: int
    chat_id: int
    fire_utc: int
    attempts: int  # including the one about to be made
    kind: str
    local_time: str
    language: str


@dataclass(frozen=True)
class DiarySettings:
    """The person's diary choice: 'asked' (the question went out, no answer yet), 'on',
    'off' (stopped with /diary off) or 'no'."""

    status: str
    since_utc: int
    medicines: str
    weekly_next_utc: int | None

    @property
    def weekly(self) -> bool:
        return self.weekly_next_utc is not None


@dataclass(frozen=True)
class NewEntry:
    occurred_utc: int
    zone: str
    place: str
    tried: tuple[str, ...]
    helped: str | None
    minutes_to_ease: int | None
    severe: bool
    source: str
    side: str | None
    muscle: str | None


@dataclass(frozen=True)
class WeeklyDue:
    """A weekly note claimed for sending."""

    note_id: int
    user_id: int
    chat_id: int
    fire_utc: int
    time_zone: str | None
    language: str
    attempts: int
