"""The reminder outbox: sends queued deliveries at a steady rate, apart from replies.

Why not PTB's bot and AIORateLimiter: replies must stay instant while thousands of reminders go
out, and PTB's limiter counts both against one budget and pauses everything on one 429. The
outbox has its own small HTTP client (its own connection pool), its own pace (`rate` messages
per second) and its own reactions to Telegram's answers.

The delivery rule is at most once: a request that may have reached Telegram is never repeated
(Telegram has no idempotency key). Each answer is classified on its own, so one bad answer
affects one delivery:

- sent: a 2xx answer whose JSON says ok;
- retry (surely not sent): no connection could be made, 429 (after `retry_after`), and 500,
  502, 503 (the Bot API or its front refused before processing);
- in doubt (may have arrived; recorded, never resent): a timeout or a connection lost after the
  request went out, a 2xx answer that is not Telegram's JSON (a proxy's HTML page), 504, any
  other answer not understood, and a send cut off by a stop;
- 403 (blocked by the user): pause that user's reminders and record why;
- other 4xx: give up on that message and record the error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiohttp

from bot.storage import Delivery, Storage
from bot.views import Screen

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (5, 30, 120, 600)
MAX_RETRY_AFTER = 3600
# After a stop is asked for, a request already on the wire gets this long to be answered;
# after that it is cut off and recorded as in doubt.
STOP_GRACE_SECONDS = 2.0
# Statuses that mean the request was refused before Telegram processed it.
NOT_PROCESSED = frozenset({429, 500, 502, 503})
IN_DOUBT = "in doubt"


class Outcome(StrEnum):
    """What became of one send (or of one delivery, for UNSENT)."""

    SENT = "sent"
    RETRY = "retry"  # refused before Telegram processed it: safe to send again later
    DOUBT = "doubt"  # it may have arrived: never resent
    BLOCKED = "blocked"  # 403: the person blocked the bot
    FAILED = "failed"  # refused for good (other 4xx, no text for it)
    UNSENT = "unsent"  # never put on the wire (a stop): back in the queue as it was


@dataclass(frozen=True)
class Verdict:
    """How one delivery ended, and the error recorded for it (kept as the database has it)."""

    outcome: Outcome
    error: str = ""


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    status: int  # HTTP status, or 0 when there was no answer
    description: str = ""
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SENT


def _retry_after(value: object) -> float:
    """Telegram's `retry_after`, whatever shape it came in (a number, a string, junk)."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1.0
    return min(seconds, MAX_RETRY_AFTER) if math.isfinite(seconds) and seconds > 0 else 1.0


def classify(status: int, raw: bytes) -> SendResult:
    """What one HTTP answer to sendMessage means, for any status, body and encoding."""
    try:
        body: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    telegram = isinstance(body, dict)
    if telegram and body.get("ok") is True and 200 <= status < 300:
        return SendResult(Outcome.SENT, status)
    description = str(body.get("description", ""))[:200] if telegram else ""
    if status == 429:
        parameters = body.get("parameters") if telegram else None
        wait = _retry_after(parameters.get("retry_after") if isinstance(parameters, dict) else 1)
        return SendResult(Outcome.RETRY, status, description or "Too Many Requests", wait)
    if status in NOT_PROCESSED:
        return SendResult(Outcome.RETRY, status, description or "not processed")
    if status == 403 and telegram:
        return SendResult(Outcome.BLOCKED, status, description)
    if 400 <= status < 500:
        return SendResult(Outcome.FAILED, status, description or "refused")
    # 2xx that is not Telegram's answer, 504 and other 5xx, anything else: it may have arrived.
    return SendResult(Outcome.DOUBT, status, description or "answer not understood")


class BotApiClient:
    """Just enough of the Bot API for bulk sendMessage, on a dedicated aiohttp session."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connections: int = 64,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._url = f"{base_url}{token}/sendMessage"
        self._connections = connections
        # Connecting (and waiting for a free connection) is timed apart from the answer: a
        # request that never got a connection surely did not arrive; one awaiting its answer
        # may have.
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_connect=connect_timeout, sock_read=timeout
        )
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
        # Never log or keep the URL or aiohttp's message: they hold the token.
        try:
            async with self._session.post(self._url, json=payload) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            return SendResult(Outcome.RETRY, 0, type(exc).__name__)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return SendResult(Outcome.DOUBT, 0, type(exc).__name__)
        return classify(status, raw)

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
    in_doubt: int = 0
    unsent: int = 0  # put back by a stop, for the next start
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
        grace_seconds: int | None = None,
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self._storage = storage
        self._client = client
        self._render = render
        self._interval = 1.0 / rate
        self._clock = clock  # wall clock, for due and sent times (tests move it by hand)
        self._chunk = chunk
        self._lanes = lanes
        self._grace = grace_seconds
        self._stop_grace = stop_grace
        self._paused_until = 0.0
        self._next_slot = 0.0
        self._stopping = asyncio.Event()
        self._on_the_wire: set[asyncio.Task[SendResult]] = set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Stop promptly: take no more deliveries, send nothing that is not on the wire yet
        (it goes back to the queue for the next start), give what is on the wire
        `stop_grace` seconds to be answered, then cut it off and record it as in doubt."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        asyncio.get_running_loop().call_later(self._stop_grace, self._cut_off)

    def _cut_off(self) -> None:
        for task in list(self._on_the_wire):
            task.cancel()

    async def drain(self) -> OutboxStats:
        """Send every delivery due now; returns what happened. A delivery is taken once per
        call; one that must be retried is due later, for a later call."""
        stats = OutboxStats()
        in_flight: set[asyncio.Task[None]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and not self.stopping and len(in_flight) < self._lanes:
                    now = int(self._clock())
                    oldest = None if self._grace is None else now - self._grace
                    chunk = await self._storage.take_deliveries(now, self._chunk, oldest)
                    if not chunk:
                        exhausted = True
                        break
                    in_flight.add(asyncio.create_task(self._send_batch(chunk, stats)))
                if not in_flight:
                    return stats
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    error = None if task.cancelled() else task.exception()
                    if error is not None:  # a storage error: those rows stay 'sending'
                        log.error("reminder batch failed: %s", type(error).__name__)
                exhausted = False  # a lane is free: look again (snoozes may have come due)
        finally:
            # Cancelled (a crash-like stop): the chunks still out stay 'sending', in doubt,
            # exactly as after a crash; none is left running on its own.
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _send_batch(self, deliveries: Sequence[Delivery], stats: OutboxStats) -> None:
        sent: list[int] = []
        retry: list[tuple[int, int]] = []
        failed: list[tuple[int, str]] = []
        unsent: list[int] = []
        blocked: set[int] = set()

        async def one(delivery: Delivery) -> None:
            try:
                verdict = await self._send_one(delivery, stats)
            except Exception as exc:  # a bug here must cost one delivery, not the batch
                log.error("reminder %d: %s", delivery.id, type(exc).__name__)
                verdict = Verdict(Outcome.DOUBT, f"{IN_DOUBT}: {type(exc).__name__}")
            match verdict.outcome:
                case Outcome.SENT:
                    sent.append(delivery.id)
                case Outcome.UNSENT:
                    unsent.append(delivery.id)
                case Outcome.BLOCKED:
                    blocked.add(delivery.user_id)
                    failed.append((delivery.id, verdict.error))
                case Outcome.RETRY if delivery.attempts < MAX_ATTEMPTS:
                    wait = BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
                    retry.append((delivery.id, int(self._clock()) + wait))
                case Outcome.DOUBT:
                    stats.in_doubt += 1
                    failed.append((delivery.id, verdict.error))
                case _:
                    failed.append((delivery.id, verdict.error))

        await asyncio.gather(*(one(d) for d in deliveries))
        now = int(self._clock())
        await self._storage.finish_deliveries(sent, now, retry, failed, unsent)
        for user_id in blocked:
            await self._storage.mark_blocked(user_id, now)
        stats.sent += len(sent)
        stats.retried += len(retry)
        stats.failed += len(failed)
        stats.unsent += len(unsent)
        stats.blocked_users |= blocked

    async def _pace(self) -> bool:
        """Wait for this message's slot: at most `rate` per second, and no send while paused.
        Pacing is real time (monotonic), whatever clock the due times use. False: stopping."""
        while not self.stopping:
            now = time.monotonic()
            start = max(now, self._next_slot, self._paused_until)
            if start <= now:
                self._next_slot = max(self._next_slot, now) + self._interval
                return True
            try:
                async with asyncio.timeout(start - now):
                    await self._stopping.wait()
            except TimeoutError:
                pass
        return False

    async def _post(self, delivery: Delivery, screen: Screen) -> SendResult:
        """One request on the wire; a stop cuts it off after the grace period (in doubt)."""
        task = asyncio.create_task(self._client.send_message(delivery.chat_id, screen))
        self._on_the_wire.add(task)
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self._on_the_wire.discard(task)
        if task.cancelled():
            return SendResult(Outcome.DOUBT, 0, "cut off by a stop")
        return task.result()

    async def _send_one(self, delivery: Delivery, stats: OutboxStats) -> Verdict:
        screen = self._render(delivery)
        if screen is None:
            return Verdict(Outcome.FAILED, "no text for this reminder")
        for _ in range(3):  # 429s are waited out here, a few times, before retrying later
            if not await self._pace():
                return Verdict(Outcome.UNSENT)
            result = await self._post(delivery, screen)
            if result.outcome is Outcome.SENT:
                return Verdict(Outcome.SENT)
            if result.status == 429:
                stats.rate_limited += 1
                wait = result.retry_after
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
                log.warning("reminders rate-limited by Telegram; pausing %.0f s", wait)
                continue
            detail = f"{result.status} {result.description}".strip()
            if result.outcome is Outcome.BLOCKED:
                return Verdict(Outcome.BLOCKED, "blocked")
            if result.outcome is Outcome.RETRY:
                return Verdict(Outcome.RETRY, f"retry: {detail}")
            if result.outcome is Outcome.DOUBT:
                log.warning(
                    "reminder %d may or may not have arrived (%s %s); not resent",
                    delivery.id, result.status or "no answer", result.description,
                )  # fmt: skip
                return Verdict(Outcome.DOUBT, f"{IN_DOUBT}: {detail}")
            return Verdict(Outcome.FAILED, f"{result.status} {result.description}")
        return Verdict(Outcome.RETRY, "retry: rate limited")
