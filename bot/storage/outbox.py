"""The outbox's queue: take due deliveries, record how each went, and what a crash left."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from bot.storage.database import Database
from bot.storage.records import Delivery


class OutboxQueries(Database):
    async def take_deliveries(
        self, now: int, limit: int, oldest_due: int | None = None
    ) -> list[Delivery]:
        """Mark up to `limit` due deliveries as 'sending' and return them.

        A delivery left in 'sending' by a crash is never sent again (see abandon_in_flight):
        Telegram has no idempotency key, so at most once is the only way to never send twice.
        One still waiting since before `oldest_due` (the bot was down past the grace window)
        is recorded as 'late' instead.
        """

        async def work(db: aiosqlite.Connection) -> list[Delivery]:
            if oldest_due is not None:
                await db.execute(
                    "UPDATE reminder_deliveries SET status = 'failed', error = 'late'"
                    " WHERE status = 'pending' AND due_utc < ?",
                    (oldest_due,),
                )
            rows = list(
                await db.execute_fetchall(
                    "SELECT d.id, d.reminder_id, d.user_id, d.chat_id, d.fire_utc, d.attempts + 1,"
                    " r.kind, r.local_time, u.language, r.enabled"
                    " FROM reminder_deliveries d"
                    " JOIN reminders r ON r.id = d.reminder_id"
                    " JOIN users u ON u.user_id = d.user_id"
                    " WHERE d.status = 'pending' AND d.due_utc <= ?"
                    " ORDER BY d.due_utc, d.id LIMIT ?",
                    (now, limit),
                )
            )
            # A reminder stopped or paused since this was queued never sends.
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'failed', error = 'stopped' WHERE id = ?",
                [(r[0],) for r in rows if not r[9]],
            )
            rows = [r for r in rows if r[9]]
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'sending', attempts = attempts + 1"
                " WHERE id = ?",
                [(r[0],) for r in rows],
            )
            return [Delivery(*r[:9]) for r in rows]

        return list(await self._run(work))

    async def finish_deliveries(
        self,
        sent: Sequence[int],
        now: int,
        retry: Sequence[tuple[int, int]] = (),
        failed: Sequence[tuple[int, str]] = (),
        unsent: Sequence[int] = (),
    ) -> None:
        """Record a batch's results: sent ids; (id, retry at) to try again; (id, error);
        ids never put on the wire (a stop), back in the queue as they were."""

        async def work(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'sent', sent_utc = ? WHERE id = ?",
                [(now, i) for i in sent],
            )
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'pending', due_utc = ? WHERE id = ?",
                [(at, i) for i, at in retry],
            )
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'failed', error = ? WHERE id = ?",
                [(error, i) for i, error in failed],
            )
            await db.executemany(
                "UPDATE reminder_deliveries SET status = 'pending', attempts = attempts - 1"
                " WHERE id = ?",
                [(i,) for i in unsent],
            )

        await self._run(work)

    async def abandon_in_flight(self) -> int:
        """At start-up: deliveries a crash left mid-send may or may not have arrived; never
        resend them (no duplicates), record them as in doubt."""

        changed, _ = await self._write(
            "UPDATE reminder_deliveries SET status = 'failed', error = 'in doubt: interrupted'"
            " WHERE status = 'sending'"
        )
        return changed

    async def delivery_counts(self) -> dict[str, int]:
        rows = await self._fetch("SELECT status, COUNT(*) FROM reminder_deliveries GROUP BY status")
        return {str(r[0]): int(r[1]) for r in rows}
