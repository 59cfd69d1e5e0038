"""The weekly note (opt-in): Sunday evening in the person's time zone, one message with the
week's chart (as text: one line a day), sent by the reminder sweep's job through the outbox's
HTTP client, under the outbox's delivery rule: at most once.

Each note is claimed in SQLite before it goes out (one row per person and Sunday, unique), so
two sweeps can never send it twice; a send that may have arrived (timeout, lost connection,
an answer that is not Telegram's) is recorded in doubt and never repeated; one that surely did
not arrive (no connection, 429, 500/502/503) is tried again at the next sweep. A note missed
while the bot was down is sent if it is at most `grace` late, else skipped to next Sunday.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.reminders.outbox import IN_DOUBT, BotApiClient, Outcome
from bot.reminders.schedule import next_fire_utc, zone_from_name
from bot.storage import Storage, WeeklyDue
from bot.views import Screen

log = logging.getLogger(__name__)

WEEKLY_HOUR, WEEKLY_MINUTE = 19, 0  # Sunday evening, local time
SUNDAY = 1 << 6  # schedule's weekday bitmask: bit 0 = Monday
CLAIM_BATCH = 500
MAX_ATTEMPTS = 5

RenderWeekly = Callable[[WeeklyDue], Awaitable[Screen | None]]


def next_weekly_utc(zone: str, after_utc: float) -> int:
    """The next Sunday evening (19:00 local) strictly after `after_utc`."""
    fire = next_fire_utc(
        "preswim", (WEEKLY_HOUR, WEEKLY_MINUTE), zone_from_name(zone or "UTC"), after_utc,
        weekdays=SUNDAY,
    )  # fmt: skip
    assert fire is not None  # a weekly pattern always has a next time within 15 days
    return fire


@dataclass
class WeeklyStats:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


class WeeklyNotes:
    def __init__(
        self,
        storage: Storage,
        client: BotApiClient,
        render: RenderWeekly,
        *,
        grace_seconds: int,
        clock: Callable[[], float],
    ) -> None:
        self._storage = storage
        self._client = client
        self._render = render
        self._grace = grace_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[WeeklyStats] | None = None
        self._stopped = False

    @property
    def stopping(self) -> bool:
        return self._stopped

    def start_tick(self) -> None:
        """Called by the sweep job: one tick in the background unless one is running."""
        if self._stopped or self._lock.locked():
            return
        self._task = asyncio.create_task(self.tick(), name="diary-weekly")

    async def stop(self) -> None:
        self._stopped = True
        task, self._task = self._task, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def tick(self) -> WeeklyStats:
        stats = WeeklyStats()
        async with self._lock:
            if self._stopped:
                return stats
            now = int(self._clock())
            due = await self._storage.due_weekly(now, CLAIM_BATCH)
            zones = await self._storage.weekly_zones([u for u, _ in due]) if due else {}
            plans = [
                (user, fire, next_weekly_utc(zones.get(user) or "UTC", max(now, fire)))
                for user, fire in due
            ]
            late = {user for user, fire in due if now - fire > self._grace}
            claimed = await self._storage.claim_weekly(plans, late)
            stats.claimed, stats.skipped = len(claimed), len(late)
            for note in claimed:
                if self.stopping:  # a stop mid-tick: the rest waits for the next start
                    await self._storage.finish_weekly(note.note_id, "pending", None, now)
                    continue
                outcome, error = await self._send(note)
                if outcome == "sent":
                    stats.sent += 1
                else:
                    stats.failed += outcome == "failed"
                await self._storage.finish_weekly(note.note_id, outcome, error, int(self._clock()))
            if stats.claimed:
                log.info("weekly notes: %d due, %d sent, %d failed, %d skipped (late)",
                         stats.claimed, stats.sent, stats.failed, stats.skipped)  # fmt: skip
        return stats

    async def _send(self, note: WeeklyDue) -> tuple[str, str | None]:
        try:
            screen = await self._render(note)
        except Exception as exc:  # one note's bug costs that note
            log.error("weekly note %d: %s", note.note_id, type(exc).__name__)
            return "failed", type(exc).__name__
        if screen is None:
            return "failed", "nothing to send"
        result = await self._client.send_message(note.chat_id, screen)
        if result.ok:
            return "sent", None
        if result.outcome == Outcome.RETRY and note.attempts < MAX_ATTEMPTS:
            return "pending", f"retry: {result.status}"
        if result.outcome == Outcome.BLOCKED:
            await self._storage.mark_blocked(note.user_id, int(self._clock()))
            return "failed", "blocked"
        if result.outcome == Outcome.DOUBT:
            log.warning("weekly note %d may or may not have arrived; not resent", note.note_id)
            return "failed", f"{IN_DOUBT}: {result.status} {result.description}".strip()
        return "failed", f"{result.status} {result.description}".strip()
