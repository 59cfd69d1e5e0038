"""Bulk set-up for benchmarks (and the tests that need many people): SQL the bot never runs."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.storage import NewEntry, Storage


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


async def add_diary_entries(
    storage: Storage, user_id: int, entries: Sequence[NewEntry], now: int
) -> None:
    """Many diary entries for one person at once."""

    async def work(db: aiosqlite.Connection) -> None:
        await db.executemany(
            "INSERT INTO diary_entries (user_id, occurred_utc, zone, place, tried, helped,"
            " minutes_to_ease, severe, source, side, muscle, created_utc, updated_utc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(user_id, e.occurred_utc, e.zone, e.place, " ".join(e.tried), e.helped,
              e.minutes_to_ease, int(e.severe), e.source, e.side, e.muscle, now, now)
             for e in entries],
        )  # fmt: skip

    await storage._run(work)
