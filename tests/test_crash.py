"""kill -9 the real bot process in the middle of a reminder fan-out, restart it: nothing is sent
twice, everything not in flight at the kill is delivered, and the database is intact.

The local Bot API server runs as its own process, so it outlives the bot and counts what each
chat really received.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from bench import seed
from bot.config import PROJECT_ROOT
from bot.reminders.outbox import Outbox
from bot.storage import Storage
from sandbox.serve import send_command, server_stats
from tests import peek
from tests.conftest import shared_locales
from tests.processes import bot_process, start_server, stop_server, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

USERS = 600
WRITERS = USERS // 2  # how many of them write to the bot during the fan-out
# How the messages start, to count reminders apart from replies to "cramp in bed".
REMINDER = "🌙 Time for"
SWIM_REPLY = "A swimmer can't read a phone"
RATE = 300  # reminders per second: the fan-out takes a few seconds, long enough to kill it in


async def _prepare(db: Path) -> None:
    storage = await Storage.open(db)
    now = int(time.time())
    await seed.add_users_with_reminders(
        storage, [(uid, "UTC", "22:00", now - 5) for uid in range(1, USERS + 1)], now
    )
    await storage.close()


async def _settled(db: Path) -> bool:
    """True once no reminder is waiting to be sent."""
    counts, _ = await _counts(db)
    return counts.get("pending", 0) == 0 and counts.get("sent", 0) > 0


async def _counts(db: Path) -> tuple[dict[str, int], str]:
    storage = await Storage.open(db)
    try:
        return await storage.delivery_counts(), await peek.integrity_check(storage)
    finally:
        await storage.close()


def test_kill_mid_fan_out_then_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    asyncio.run(_prepare(db))
    server, port = start_server(USERS)
    try:
        first = bot_process(port, db, log, rate=RATE)
        wait_for(lambda: server_stats(server)["bot_messages"] >= USERS // 8, timeout=60)
        # People write while the fan-out runs: the kill lands in the middle of both.
        send_command(server, f"say {WRITERS} cramp in bed")
        wait_for(lambda: server_stats(server)["bot_messages"] >= USERS // 4, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        at_kill = server_stats(server, REMINDER)["bot_messages"]
        assert at_kill < USERS, "the fan-out finished before the kill; the test proves nothing"

        second = bot_process(port, db, log, rate=RATE)
        try:
            # Everything that was not in flight at the kill arrives; in flight is at most one
            # outbox batch (see Outbox and Storage.take_deliveries).
            wait_for(lambda: asyncio.run(_settled(db)), timeout=60)
            # The restarted bot answers everyone. (Updates the killed bot had already fetched
            # and confirmed but not yet handled are gone: Telegram's polling works that way.)
            send_command(server, f"say {WRITERS} cramp in the pool")
            wait_for(
                lambda: server_stats(server, SWIM_REPLY)["chats_reached"] == WRITERS, timeout=60
            )
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
        final = server_stats(server, REMINDER)
    finally:
        stop_server(server)

    counts, integrity = asyncio.run(_counts(db))
    assert integrity == "ok"
    assert final["duplicates"] == 0, final
    assert final["max_per_chat"] == 1
    interrupted = counts.get("failed", 0)
    assert counts.get("sent", 0) + interrupted == USERS, counts
    assert counts.get("pending", 0) == 0
    assert counts.get("sending", 0) == 0
    assert interrupted <= Outbox.IN_DOUBT
    # What the server received: every 'sent', plus possibly some of the interrupted ones.
    assert counts["sent"] <= final["chats_reached"] <= counts["sent"] + interrupted
    assert "Traceback" not in log.read_text(errors="replace")
    # Every saved flow position is one the bot can continue from.
    with sqlite3.connect(db) as conn:
        states = conn.execute("SELECT flow, step FROM conversation_state").fetchall()
        users = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    engine = shared_locales(PROJECT_ROOT / "content", "en")["en"].flows
    assert states, "the kill came before anyone's flow was saved; the test proves nothing"
    assert all(engine.is_valid(flow, step) for flow, step in states), states
    assert users == USERS
    assert sum(1 for flow, _ in states if flow == "swim") == WRITERS
