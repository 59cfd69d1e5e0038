"""The reminder sweep: claim due reminders from SQLite, plan their next time, hand them to the
outbox. One repeating job, not one job per user (ARCHITECTURE.md: per-user jobs are lost on
restart and skipped in bulk).

A reminder that fell due while the bot was down is sent once if it is at most `grace` late,
else skipped to its next occurrence. The (reminder, fire time) pair is unique in the outbox, so
no occurrence is ever queued twice, even by two overlapping sweeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.reminders.outbox import Outbox, OutboxStats
from bot.reminders.schedule import next_fire_utc, zone_from_name
from bot.storage import Claim, DueReminder, Reminder, Storage

log = logging.getLogger(__name__)

CLAIM_BATCH = 2000


def parse_hhmm(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def plan_next(
    kind: str,
    local_time: str,
    weekdays: int,
    lead_minutes: int,
    once_date: str | None,
    time_zone: str | None,
    after_utc: int,
) -> int | None:
    """The next fire time strictly after `after_utc` (None: never again)."""
    zone = zone_from_name(time_zone or "UTC")
    return next_fire_utc(
        kind,
        parse_hhmm(local_time),
        zone,
        after_utc,
        weekdays=weekdays,
        lead_minutes=lead_minutes,
        once_date=date.fromisoformat(once_date) if once_date else None,
    )


def plan_reminder(reminder: Reminder, time_zone: str | None, after_utc: int) -> int | None:
    return plan_next(
        reminder.kind, reminder.local_time, reminder.weekdays, reminder.lead_minutes,
        reminder.once_date, time_zone, after_utc,
    )  # fmt: skip


def decide(due: DueReminder, now: int, grace_seconds: int) -> Claim:
    """Send this occurrence if it is not too late; either way, plan the next one after now."""
    try:
        following = plan_next(
            due.kind, due.local_time, due.weekdays, due.lead_minutes, due.once_date,
            due.time_zone, max(now, due.next_fire_utc),
        )  # fmt: skip
    except ValueError:
        log.warning("reminder %d has an unusable schedule; stopping it", due.id)
        following = None
    return Claim(due.id, due.next_fire_utc, now - due.next_fire_utc <= grace_seconds, following)


@dataclass
class SweepStats:
    claimed: int = 0
    queued: int = 0
    skipped: int = 0
    outbox: OutboxStats | None = None


class ReminderScheduler:
    def __init__(
        self,
        storage: Storage,
        outbox: Outbox,
        *,
        grace_seconds: int,
        clock_now: Callable[[], float],
    ) -> None:
        self._storage = storage
        self._outbox = outbox
        self._grace = grace_seconds
        self._now = clock_now
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[SweepStats] | None = None
        self._stopped = False

    def now(self) -> int:
        return int(self._now())

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def start_tick(self) -> None:
        """Start a sweep in the background unless one is running (the repeating job calls
        this and returns at once, so a long fan-out never makes the job scheduler skip)."""
        if self._stopped or self.busy or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.create_task(self.tick(), name="reminder-sweep")
        self._task.add_done_callback(_log_failure)

    async def stop(self) -> None:
        """Stop promptly (see Outbox.stop): nothing new is claimed or sent; what is on the
        wire is finished or recorded as in doubt; the rest stays queued for the next start."""
        self._stopped = True
        self._outbox.stop()
        task, self._task = self._task, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        async with self._lock:  # a tick started by hand (tests) finishes too
            pass

    async def claim_due(self) -> SweepStats:
        stats = SweepStats()
        now = self.now()
        while True:
            due = await self._storage.due_reminders(now, CLAIM_BATCH)
            if not due:
                return stats
            claims = [decide(d, now, self._grace) for d in due]
            chats = {d.id: (d.user_id, d.chat_id) for d in due}
            stats.queued += await self._storage.claim(claims, chats)
            stats.claimed += len(claims)
            stats.skipped += sum(not c.send for c in claims)
            if len(due) < CLAIM_BATCH:
                return stats

    async def tick(self) -> SweepStats:
        """One sweep: claim what is due, then send everything due (including snoozes)."""
        async with self._lock:
            if self._stopped:
                return SweepStats(outbox=OutboxStats())
            stats = await self.claim_due()
            stats.outbox = await self._outbox.drain()
            if stats.claimed or stats.outbox.sent or stats.outbox.failed:
                log.info(
                    "reminder sweep: %d due, %d queued, %d skipped (late), %d sent, %d failed"
                    " (%d in doubt), %d left for the next start",
                    stats.claimed, stats.queued, stats.skipped, stats.outbox.sent,
                    stats.outbox.failed, stats.outbox.in_doubt, stats.outbox.unsent,
                )  # fmt: skip
            return stats


def _log_failure(task: asyncio.Task[SweepStats]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("reminder sweep failed: %s", type(task.exception()).__name__)
