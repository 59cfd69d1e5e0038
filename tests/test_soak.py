"""Soak: the real bot process against a local Bot API server that misbehaves at a steady
rate, for about SOAK_SECONDS (10 in `make test`; `make soak` runs the full minute). People
write and press buttons, two waves of reminders fire, the bot gets SIGTERM in the middle of
the first wave and is started again. At the end: every message was answered, every due
reminder was sent exactly once or recorded as in doubt, and the database is intact."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from bench import seed
from bot.storage import Storage
from sandbox.serve import send_command, server_stats
from tests import peek
from tests.processes import (
    REMINDER,
    bot_process,
    delivery_counts,
    reap,
    start_server,
    stop_server,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# The full soak lasts a minute; the suite runs the same story at a smaller scale.
SCALE = float(os.environ.get("SOAK_SECONDS", "10")) / 60
FIRST_WAVE = int(300 * SCALE)  # due at start: the fan-out is under way when SIGTERM comes
SECOND_WAVE = int(150 * SCALE)  # due a little later: fired by the restarted bot
SECOND_WAVE_AFTER = int(25 * SCALE)  # seconds
USERS = FIRST_WAVE + SECOND_WAVE
WRITERS = int(100 * SCALE)
RATE = 30  # reminders per second for the first bot: the first wave takes 10 s * SCALE
BED = "Leg straight. Pull your toes up toward your shin."
EASED = "Good, it has eased."
SWIM = "A swimmer can't read a phone"

# Steady faults that a well-behaved bot must ride out without losing or doubling anything.
# (A sendMessage dropped or answered too late is in doubt by design: its reply may be lost,
# or arrive without the bot knowing its message id, so its buttons answer "out of date".
# Those are covered in test_replies_at_most_once.py and test_outbox.py, not here.)
FAULTS = [
    "rate 500 0.03 sendMessage",
    "rate 429 0.02 sendMessage",
    "rate 500 0.03 editMessageText",
    "rate drop 0.02 editMessageText",
    "rate 502 0.05 answerCallbackQuery",
    "rate drop 0.03 answerCallbackQuery",
]


def _prepare(db: Path, second_wave_at: int) -> None:
    async def go() -> None:
        storage = await Storage.open(db)
        now = int(time.time())
        first = [(uid, "UTC", "22:00", now - 5) for uid in range(1, FIRST_WAVE + 1)]
        second = [(uid, "UTC", "22:00", second_wave_at) for uid in range(FIRST_WAVE + 1, USERS + 1)]
        await seed.add_users_with_reminders(storage, first + second, now)
        await storage.close()

    asyncio.run(go())


def _final(db: Path) -> tuple[dict[str, int], list[str], str]:
    async def go() -> tuple[dict[str, int], list[str], str]:
        storage = await Storage.open(db)
        try:
            return (
                await storage.delivery_counts(),
                await peek.delivery_errors(storage),
                await peek.integrity_check(storage),
            )
        finally:
            await storage.close()

    return asyncio.run(go())


def test_soak_mixed_load_faults_sigterm_and_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    _prepare(db, second_wave_at=int(time.time()) + SECOND_WAVE_AFTER)
    server, port = start_server(USERS)
    first = second = None
    try:
        for fault in FAULTS:
            send_command(server, fault)
        first = bot_process(port, db, log, rate=RATE)
        # People write while the first wave goes out, then press a button on the reply.
        send_command(server, f"say {WRITERS} cramp in bed")
        wait_for(lambda: server_stats(server, BED)["chats_reached"] == WRITERS, timeout=60)
        assert send_command(server, f"press {WRITERS} ✅ It eased")["pressed"] == WRITERS
        wait_for(lambda: server_stats(server, EASED)["chats_reached"] == WRITERS, timeout=60)
        sent_before_stop = server_stats(server, REMINDER)["chats_reached"]
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 0  # prompt, whatever is still queued
        counts, _ = delivery_counts(db)
        assert counts.get("sending", 0) == 0, counts
        if sent_before_stop < FIRST_WAVE:
            assert counts.get("pending", 0) > 0  # the rest waits for the next start

        second = bot_process(port, db, log)
        send_command(server, f"say {WRITERS} cramp in the pool")
        wait_for(lambda: server_stats(server, SWIM)["chats_reached"] == WRITERS, timeout=60)

        def settled() -> bool:
            counts, _ = delivery_counts(db)
            done = counts.get("sent", 0) + counts.get("failed", 0)
            return done == USERS and not counts.get("pending") and not counts.get("sending")

        wait_for(settled, timeout=90)  # both waves, with retries after 500s and 429s
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0
        reminders = server_stats(server, REMINDER)
    finally:
        for process in (first, second):
            if process is not None:
                reap(process)
        stop_server(server)

    counts, errors, integrity = _final(db)
    assert integrity == "ok"
    # Every due reminder: sent exactly once, or recorded as in doubt (never resent).
    assert reminders["duplicates"] == 0, reminders
    assert reminders["max_per_chat"] == 1
    assert counts.get("sent", 0) + counts.get("failed", 0) == USERS, counts
    assert all(e.startswith("in doubt") for e in errors), errors
    assert counts["sent"] <= reminders["chats_reached"] <= USERS
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
