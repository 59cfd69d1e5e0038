"""The reminder outbox against the local Bot API server misbehaving on purpose: every answer is
classified per delivery, and a request that may have reached Telegram is never repeated."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bench import seed
from bot.reminders.outbox import BotApiClient, Outbox, classify
from bot.reminders.sweep import ReminderScheduler
from bot.storage import Delivery, Storage
from bot.views import Screen
from sandbox.serve import add_started_chats
from sandbox.server import FakeBotApi
from tests import peek
from tests.conftest import ManualClock

USERS = 32


def render(delivery: Delivery) -> Screen:
    return Screen(f"🌙 Time for reminder {delivery.reminder_id}")


@pytest.fixture
def client_timeout() -> float:
    """How long the outbox's client waits for an answer: long enough that no answer is late
    on a loaded machine (a hang still fails: pytest-timeout); the timeout test sets 0.5 s."""
    return 30.0


@pytest.fixture
async def outbox(
    api: FakeBotApi, storage: Storage, clock: ManualClock, client_timeout: float
) -> AsyncIterator[ReminderScheduler]:
    add_started_chats(api, USERS)
    now = int(clock())
    await seed.add_users_with_reminders(
        storage, [(uid, "UTC", "22:00", now - 5) for uid in range(1, USERS + 1)], now
    )
    client = BotApiClient(api.base_url, api.token, timeout=client_timeout)
    box = Outbox(storage, client, render, rate=1000, clock=clock)
    yield ReminderScheduler(storage, box, grace_seconds=3600, clock_now=clock)
    await client.close()


def received(api: FakeBotApi) -> dict[int, int]:
    """chat id -> how many reminders it received."""
    counts: dict[int, int] = {}
    for chat_id in range(1, USERS + 1):
        chat = api.chat_state(chat_id)
        assert chat is not None
        n = sum(1 for m in chat.messages.values() if m.from_bot and "Time for" in m.text)
        if n:
            counts[chat_id] = n
    return counts


async def test_non_utf8_answer_costs_one_delivery_not_the_batch(
    api: FakeBotApi, outbox: ReminderScheduler, storage: Storage, clock: ManualClock
) -> None:
    api.faults.add("badbytes", method="sendMessage", chat_id=5)
    stats = await outbox.tick()
    assert stats.outbox is not None
    assert stats.outbox.sent == USERS - 1
    assert await storage.delivery_counts() == {"sent": USERS - 1, "pending": 1}
    assert len(received(api)) == USERS - 1
    clock.advance(10)  # a 502 from the front was not processed: retried after its backoff
    await outbox.tick()
    assert received(api) == dict.fromkeys(range(1, USERS + 1), 1)
    assert await storage.delivery_counts() == {"sent": USERS}


async def test_html_page_with_200_is_in_doubt_not_failed_or_resent(
    api: FakeBotApi, outbox: ReminderScheduler, storage: Storage, clock: ManualClock
) -> None:
    api.faults.add("html200", method="sendMessage", chat_id=7)
    await outbox.tick()
    assert await storage.delivery_counts() == {"sent": USERS - 1, "failed": 1}
    [error] = await peek.delivery_errors(storage)
    assert error.startswith("in doubt")
    clock.advance(3600)
    await outbox.tick()
    assert api.stats.calls["sendMessage"] == USERS  # never sent again


async def test_non_numeric_retry_after_is_waited_out(
    api: FakeBotApi, outbox: ReminderScheduler, storage: Storage
) -> None:
    api.faults.add("429junk", method="sendMessage", chat_id=3)
    stats = await outbox.tick()
    assert stats.outbox is not None
    assert stats.outbox.rate_limited == 1
    assert await storage.delivery_counts() == {"sent": USERS}
    assert received(api) == dict.fromkeys(range(1, USERS + 1), 1)


@pytest.mark.parametrize("client_timeout", [0.5])
async def test_timed_out_reminder_is_in_doubt_never_resent(
    api: FakeBotApi, outbox: ReminderScheduler, storage: Storage, clock: ManualClock
) -> None:
    # Telegram takes the message but answers after the client gave up (0.5 s).
    api.faults.add("late", method="sendMessage", chat_id=9, delay=3.0)
    await outbox.tick()
    for _ in range(5):  # every backoff of the old retry rule comes and goes
        clock.advance(700)
        await outbox.tick()
    assert received(api) == dict.fromkeys(range(1, USERS + 1), 1)  # chat 9 once, not twice
    assert await storage.delivery_counts() == {"sent": USERS - 1, "failed": 1}
    [error] = await peek.delivery_errors(storage)
    assert error.startswith("in doubt")


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b'{"ok": true, "result": {}}', "sent"),
        (200, b"<html>proxy</html>", "doubt"),
        (200, b'{"ok": false}', "doubt"),
        (502, b"\xff\xfe\x00<html>", "retry"),
        (500, b'{"ok": false, "description": "Internal Server Error"}', "retry"),
        (504, b"<html>Gateway Timeout</html>", "doubt"),
        (429, b'{"ok": false, "parameters": {"retry_after": "x"}}', "retry"),
        (429, b'{"ok": false, "parameters": {"retry_after": 1e999}}', "retry"),
        (429, b"[]", "retry"),
        (403, b'{"ok": false, "description": "Forbidden: bot was blocked by the user"}',
         "blocked"),
        (403, b"<html>Forbidden</html>", "failed"),
        (400, b'{"ok": false, "description": "Bad Request: chat not found"}', "failed"),
        (302, b"", "doubt"),
        (200, b'{"ok": true', "doubt"),
    ],
)  # fmt: skip
def test_classify_any_answer(status: int, body: bytes, outcome: str) -> None:
    result = classify(status, body)
    assert result.outcome == outcome
    if status == 429:
        assert 0 < result.retry_after <= 3600
