"""Looks into the bot's database for tests: what the bot itself never asks.

These read through the storage's own connection (so per-connection settings such as
foreign_keys are the bot's), and hold the only SQL outside bot/storage/ besides bench/seed.py.
"""

from __future__ import annotations

from typing import Any

from bot.storage import Storage

_USER_TABLES = ("users", "conversation_state", "reminders", "reminder_deliveries",
                "feedback_events", "diary_settings", "diary_entries", "diary_stretches",
                "diary_weekly_notes")  # fmt: skip


async def pragma(storage: Storage, name: str) -> Any:
    if not name.isidentifier():
        raise ValueError(name)
    rows = await storage._fetch(f"PRAGMA {name}")
    return rows[0][0]


async def schema(storage: Storage) -> list[tuple[str, str]]:
    """(name, sql) of every table and index, to compare schemas."""
    rows = await storage._fetch(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
    )
    return [(r[0], r[1]) for r in rows]


async def rows_mentioning_user(storage: Storage, user_id: int) -> int:
    """How many rows in any table hold this user id (0 after forget_user)."""
    total = 0
    for table in _USER_TABLES:
        rows = await storage._fetch(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,))
        total += int(rows[0][0])
    return total


async def delivery_errors(storage: Storage) -> list[str]:
    """Why each failed delivery failed ('in doubt: ...', 'blocked', 'late'...), oldest first."""
    rows = await storage._fetch(
        "SELECT error FROM reminder_deliveries WHERE status = 'failed' ORDER BY id"
    )
    return [str(r[0]) for r in rows]


async def integrity_check(storage: Storage) -> str:
    rows = await storage._fetch("PRAGMA integrity_check")
    return str(rows[0][0])


async def execute(storage: Storage, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change a row behind the bot's back (a test of what the bot does about it)."""
    await storage._write(sql, params)


async def weekly_note_counts(storage: Storage) -> dict[str, int]:
    """The diary's weekly notes by status."""
    rows = await storage._fetch("SELECT status, COUNT(*) FROM diary_weekly_notes GROUP BY status")
    return {str(r[0]): int(r[1]) for r in rows}
