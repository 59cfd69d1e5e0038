"""Reminders: a person's list, and the sweep that claims due ones and queues their sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.storage.database import Database
from bot.storage.records import Claim, DueReminder, Reminder

_REMINDER_COLUMNS = (
    "id, user_id, kind, local_time, weekdays, lead_minutes, once_date, enabled, next_fire_utc,"
    " disabled_reason"
)


def _reminder(row: Sequence[Any]) -> Reminder:
    return Reminder(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8], row[9]
    )


class ReminderQueries(Database):
    async def add_reminder(
        self,
        user_id: int,
        kind: str,
        local_time: str,
        *,
        weekdays: int,
        lead_minutes: int,
        once_date: str | None,
        next_fire_utc: int | None,
        now: int,
    ) -> int:
        _, row_id = await self._write(
            "INSERT INTO reminders (user_id, kind, local_time, weekdays, lead_minutes,"
            " once_date, enabled, next_fire_utc, created_utc, updated_utc)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (user_id, kind, local_time, weekdays, lead_minutes, once_date, next_fire_utc,
             now, now),
        )  # fmt: skip
        return row_id

    async def update_reminder(
        self,
        reminder_id: int,
        user_id: int,
        *,
        local_time: str,
        weekdays: int,
        lead_minutes: int,
        once_date: str | None,
        next_fire_utc: int | None,
        now: int,
    ) -> bool:
        changed, _ = await self._write(
            "UPDATE reminders SET local_time = ?, weekdays = ?, lead_minutes = ?,"
            " once_date = ?, next_fire_utc = ?, enabled = 1, disabled_reason = NULL,"
            " updated_utc = ? WHERE id = ? AND user_id = ?",
            (local_time, weekdays, lead_minutes, once_date, next_fire_utc, now,
             reminder_id, user_id),
        )  # fmt: skip
        return changed > 0

    async def reminders_of(self, user_id: int) -> list[Reminder]:
        rows = await self._fetch(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_reminder(r) for r in rows]

    async def purge_finished(self, user_id: int, before_date: str) -> int:
        """Delete the user's one-offs that fired on a day before `before_date` (ISO date):
        they have done their job. (Ones that fired today stay a while, for their Snooze.)"""
        changed, _ = await self._write(
            "DELETE FROM reminders WHERE user_id = ? AND kind = 'swim_once' AND enabled = 1"
            " AND next_fire_utc IS NULL AND once_date < ?",
            (user_id, before_date),
        )
        return changed

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        rows = await self._fetch(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,)
        )
        return _reminder(rows[0]) if rows else None

    async def set_reminder_enabled(
        self,
        reminder_id: int,
        user_id: int,
        *,
        enabled: bool,
        next_fire_utc: int | None,
        now: int,
        reason: str | None = None,
    ) -> bool:
        """Pause (next_fire_utc None) or resume a reminder; pending sends are dropped on pause."""

        async def work(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE reminders SET enabled = ?, next_fire_utc = ?, disabled_reason = ?,"
                " updated_utc = ? WHERE id = ? AND user_id = ?",
                (int(enabled), next_fire_utc, reason, now, reminder_id, user_id),
            )
            if not enabled:
                await db.execute(
                    "UPDATE reminder_deliveries SET status = 'failed', error = 'paused'"
                    " WHERE reminder_id = ? AND status = 'pending'",
                    (reminder_id,),
                )
            return cursor.rowcount > 0

        return bool(await self._run(work))

    async def delete_reminder(self, reminder_id: int, user_id: int) -> bool:
        changed, _ = await self._write(
            "DELETE FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id)
        )
        return changed > 0

    async def due_reminders(self, now: int, limit: int) -> list[DueReminder]:
        """Reminders due at `now`, oldest first; cost follows the number due (partial index)."""
        rows = await self._fetch(
            "SELECT r.id, r.user_id, u.chat_id, r.kind, r.local_time, r.weekdays,"
            " r.lead_minutes, r.once_date, r.next_fire_utc, u.time_zone"
            " FROM reminders r JOIN users u ON u.user_id = r.user_id"
            " WHERE r.next_fire_utc IS NOT NULL AND r.next_fire_utc <= ?"
            " ORDER BY r.next_fire_utc, r.id LIMIT ?",
            (now, limit),
        )
        return [DueReminder(*r) for r in rows]

    async def claim(self, claims: Sequence[Claim], chat_of: dict[int, tuple[int, int]]) -> int:
        """Advance each reminder and queue its delivery, all in one transaction.

        `chat_of` maps reminder id -> (user id, chat id). A reminder whose next_fire_utc moved
        since it was read (another sweep claimed it) is left alone, and the (reminder, fire
        time) pair is unique, so an occurrence is queued at most once. Returns deliveries queued.
        """

        async def work(db: aiosqlite.Connection) -> int:
            await db.executemany(
                "UPDATE reminders SET next_fire_utc = ? WHERE id = ? AND next_fire_utc = ?",
                [(c.next_fire_utc, c.reminder_id, c.fire_utc) for c in claims],
            )
            before = db.total_changes
            # WHERE EXISTS: a reminder deleted (or a user forgotten) since it was read is skipped.
            await db.executemany(
                "INSERT OR IGNORE INTO reminder_deliveries"
                " (reminder_id, user_id, chat_id, fire_utc, due_utc) SELECT ?, ?, ?, ?, ?"
                " WHERE EXISTS (SELECT 1 FROM reminders WHERE id = ?)",
                [
                    (c.reminder_id, *chat_of[c.reminder_id], c.fire_utc, c.fire_utc,
                     c.reminder_id)
                    for c in claims
                    if c.send
                ],
            )  # fmt: skip
            return db.total_changes - before

        return int(await self._run(work))

    async def queue_delivery(
        self, reminder_id: int, fire_utc: int, *, snooze_of: int | None = None
    ) -> bool:
        """Queue one more delivery of a reminder (a snooze of the reminder message
        `snooze_of`). False if the reminder no longer exists, is stopped or paused, or that
        message was already snoozed (a double tap snoozes once)."""

        changed, _ = await self._write(
            "INSERT OR IGNORE INTO reminder_deliveries"
            " (reminder_id, user_id, chat_id, fire_utc, due_utc, snooze_of)"
            " SELECT r.id, r.user_id, u.chat_id, ?, ?, ? FROM reminders r"
            " JOIN users u ON u.user_id = r.user_id WHERE r.id = ? AND r.enabled = 1",
            (fire_utc, fire_utc, snooze_of, reminder_id),
        )
        return changed > 0
