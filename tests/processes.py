"""The real bot as its own process, against the local Bot API server in another process: for
tests that send signals (SIGTERM, SIGKILL) or restart the bot."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import seed
from bot.storage import Storage
from sandbox.serve import bot_environment
from tests import peek

# How reminder messages start, to count them apart from replies.
REMINDER = "🌙 Time for"


def bot_process(
    port: int, db: Path, log: Path, *, rate: float = 300, **extra: str
) -> subprocess.Popen[bytes]:
    env = bot_environment(port, db, rate, **extra)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=db.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Poll `condition` (a signal from another process: a count reached) until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def prepare_due(db: Path, users: int, late_by: int = 5) -> None:
    """`users` people, each with a bedtime reminder due `late_by` seconds ago."""

    async def go() -> None:
        storage = await Storage.open(db)
        now = int(time.time())
        await seed.add_users_with_reminders(
            storage, [(uid, "UTC", "22:00", now - late_by) for uid in range(1, users + 1)], now
        )
        await storage.close()

    asyncio.run(go())


def delivery_counts(db: Path) -> tuple[dict[str, int], str]:
    async def go() -> tuple[dict[str, int], str]:
        storage = await Storage.open(db)
        try:
            return await storage.delivery_counts(), await peek.integrity_check(storage)
        finally:
            await storage.close()

    return asyncio.run(go())


def reap(process: subprocess.Popen[bytes]) -> None:
    """After a failed test: a bot process still running is killed, never left behind."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)
