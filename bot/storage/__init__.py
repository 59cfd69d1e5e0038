"""SQLite storage (aiosqlite): the only package that holds SQL.

- migrations.py: the schema, as numbered migrations with why each exists;
- records.py: the dataclasses the bot reads back (pure code imports only these);
- database.py: the connection, its settings, and how a query runs;
- users.py, conversations.py, reminders.py, outbox.py, stats.py, diary.py: the queries, by
  what they serve; store.py: `Storage`, all of them on one connection.

`from bot.storage import X` works for each name below. The names load on first use, so
`from bot.storage.records import Reminder` (pure code) loads neither aiosqlite nor any query.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.database import StorageError
    from bot.storage.migrations import LATEST_VERSION, MIGRATIONS
    from bot.storage.records import (
        Claim,
        ConversationState,
        Delivery,
        DiarySettings,
        DueReminder,
        NewEntry,
        Reminder,
        User,
        WeeklyDue,
    )
    from bot.storage.store import Storage

_HOME = {
    "Storage": "store",
    "StorageError": "database",
    "LATEST_VERSION": "migrations",
    "MIGRATIONS": "migrations",
    **dict.fromkeys(
        (
            "Claim",
            "ConversationState",
            "Delivery",
            "DiarySettings",
            "DueReminder",
            "NewEntry",
            "Reminder",
            "User",
            "WeeklyDue",
        ),
        "records",
    ),
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "Claim",
    "ConversationState",
    "Delivery",
    "DiarySettings",
    "DueReminder",
    "NewEntry",
    "Reminder",
    "Storage",
    "StorageError",
    "User",
    "WeeklyDue",
]
