"""The reminder outbox: sends queued deliveries at a steady rate, apart from replies.

Why not PTB's bot and AIORateLimiter: replies must stay instant while thousands of reminders go
out, and PTB's limiter counts both against one budget and pauses everything on one 429. The
outbox has its own small HTTP client (its own connection pool), its own pace (`rate` messages
per second) and its own reactions to Telegram's answers:

- 429: pause the whole outbox for `retry_after`, then retry that message;
- 403 (blocked by the user): pause that user's reminders and record why;
- 5xx and network errors: retry with backoff, a few times;
- other 4xx: give up on that message and record the error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.storage import Delivery, Storage
from bot.views import Screen

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (5, 30, 120, 600)
MAX_RETRY_AFTER = 3600


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int  # HTTP status, or 0 for a network error
    description: str = ""
    retry_after: float = 0.0


class BotApiClient:
    """Just enough of the Bot API for bulk sendMessage, on a dedicated aiohttp session."""

    def __init__(
        self, base_url: str, token: str, *, connections: int = 64, timeout: float = 15.0
    ) -> None:
        self._url = f"{base_url}{token}/sendMessage"
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send_message(self, chat_id: int, screen: Screen) -> SendResult:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                timeout=self._timeout,
                json_serialize=json.dumps,
            )
        payload: dict[str, Any] = {
            "chat_id": chat_id,
            "text": screen.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if screen.rows:
            payload["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": b.label, "callback_data": b.data} for b in row] for row in screen.rows
                ]
            }
        try:
            async with self._session.post(self._url, json=payload) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except (json.JSONDecodeError, aiohttp.ContentTypeError):
                    body = {}
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Never log the URL: it holds the token.
            return SendResult(False, 0, type(exc).__name__)
        if isinstance(body, dict) and body.get("ok") is True:
            return SendResult(True, status)
        body = body if isinstance(body, dict) else {}
        retry_after = float((body.get("parameters") or {}).get("retry_after") or 0)
        return SendResult(False, status, str(body.get("description", "")), retry_after)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


Render = Callable[[Delivery], Screen | None]


@dataclass
class OutboxStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked_users: set[int] = field(default_factory=set)
    rate_limited: int = 0


class Outbox:
    # Deliveries are taken in small chunks, each marked 'sending' before it goes out, and
    # several chunks are in flight at once. After a crash, at most IN_DOUBT deliveries may or
    # may not have arrived; they are not resent. Smaller is safer; larger is faster.
    DEFAULT_CHUNK = 16
    DEFAULT_LANES = 4
    IN_DOUBT = DEFAULT_CHUNK * DEFAULT_LANES

    def __init__(
        self,
        storage: Storage,
        client: BotApiClient,
        render: Render,
        *,
        rate: float,
        clock: Callable[[], float],
        chunk: int = DEFAULT_CHUNK,
        lanes: int = DEFAULT_LANES,
    ) -> None:
        self._storage = storage
        self._client = client
        self._render = render
        self._interval = 1.0 / rate
        self._clock = clock  # wall clock, for due and sent times (tests move it by hand)
        self._chunk = chunk
        self._lanes = lanes
        self._paused_until = 0.0
        self._next_slot = 0.0

    async def drain(self) -> OutboxStats:
        """Send every delivery due now; returns what happened. A delivery is taken once per
        call; one that must be retried is due later, for a later call."""
        stats = OutboxStats()
        in_flight: set[asyncio.Task[None]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(in_flight) < self._lanes:
                    chunk = await self._storage.take_deliveries(int(self._clock()), self._chunk)
                    if not chunk:
                        exhausted = True
                        break
                    in_flight.add(asyncio.create_task(self._send_batch(chunk, stats)))
                if not in_flight:
                    return stats
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
                exhausted = False  # a lane is free: look again (snoozes may have come due)
        finally:
            # Stopped (shutdown, cancel): the chunks still out stay 'sending', in doubt,
            # exactly as after a crash; none is left running on its own.
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _send_batch(self, deliveries: Sequence[Delivery], stats: OutboxStats) -> None:
        sent: list[int] = []
        retry: list[tuple[int, int]] = []
        failed: list[tuple[int, str]] = []
        blocked: set[int] = set()

        async def one(delivery: Delivery) -> None:
            outcome = await self._send_one(delivery, stats)
            if outcome == "sent":
                sent.append(delivery.id)
            elif outcome == "blocked":
                blocked.add(delivery.user_id)
                failed.append((delivery.id, "blocked"))
            elif outcome.startswith("retry"):
                if delivery.attempts >= MAX_ATTEMPTS:
                    failed.append((delivery.id, outcome))
                else:
                    wait = BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
                    retry.append((delivery.id, int(self._clock()) + wait))
            else:
                failed.append((delivery.id, outcome))

        await asyncio.gather(*(one(d) for d in deliveries))
        now = int(self._clock())
        await self._storage.finish_deliveries(sent, now, retry, failed)
        for user_id in blocked:
            await self._storage.mark_blocked(user_id, now)
        stats.sent += len(sent)
        stats.retried += len(retry)
        stats.failed += len(failed)
        stats.blocked_users |= blocked

    async def _pace(self) -> None:
        """Wait for this message's slot: at most `rate` per second, and no send while paused.
        Pacing is real time (monotonic), whatever clock the due times use."""
        while True:
            now = time.monotonic()
            start = max(now, self._next_slot, self._paused_until)
            if start <= now:
                self._next_slot = max(self._next_slot, now) + self._interval
                return
            await asyncio.sleep(start - now)

    async def _send_one(self, delivery: Delivery, stats: OutboxStats) -> str:
        screen = self._render(delivery)
        if screen is None:
            return "no text for this reminder"
        for _ in range(3):  # 429s are waited out here, a few times, before retrying later
            await self._pace()
            result = await self._client.send_message(delivery.chat_id, screen)
            if result.ok:
                return "sent"
            if result.status == 429:
                stats.rate_limited += 1
                wait = min(result.retry_after or 1.0, MAX_RETRY_AFTER)
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
                log.warning("reminders rate-limited by Telegram; pausing %.0f s", wait)
                continue
            if result.status == 403:
                return "blocked"
            if result.status == 0 or result.status >= 500:
                return f"retry: {result.status} {result.description}".strip()
            return f"{result.status} {result.description}"
        return "retry: rate limited"
