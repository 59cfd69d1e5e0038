"""Bulk set-up for benchmarks (and the tests that need many people): SQL the bot never runs."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.storage import Storage


async def add_users_with_reminders(
    storage: Storage, rows: Sequence[tuple[int, str, str, int]], now: int
) -> None:
    """(user id, time zone, local time, next fire) per user, each with one bedtime reminder."""

    async def work(db: aiosqlite.Connection) -> None:
        await db.executemany(
            "INSERT OR IGNORE INTO users (user_id, chat_id, language, time_zone,"
            " first_seen_utc, last_seen_utc) VALUES (?, ?, 'en', ?, ?, ?)",
            [(uid, uid, tz, now, now) for uid, tz, _, _ in rows],
        )
        await db.executemany(
            "INSERT INTO reminders (user_id, kind, local_time, next_fire_utc, created_utc,"
            " updated_utc) VALUES (?, 'bedtime', ?, ?, ?, ?)",
            [(uid, hhmm, fire, now, now) for uid, _, hhmm, fire in rows],
        )

    await storage._run(work)
