"""Stop time under SIGTERM: the real bot process in the middle of a slow reminder fan-out
(`--users` due at `--rate` per second) gets SIGTERM; how long until it has exited, and what
the record says afterwards.

    python -m bench stop --users 600 --rate 20 --runs 3
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import seed
from bot.storage import Storage
from sandbox.serve import bot_environment, server_stats, start_server, stop_server

REMINDER = "🌙 Time for"


async def _prepare(db: Path, users: int) -> None:
    storage = await Storage.open(db)
    now = int(time.time())
    await seed.add_users_with_reminders(
        storage, [(uid, "UTC", "22:00", now - 5) for uid in range(1, users + 1)], now
    )
    await storage.close()


async def _counts(db: Path) -> dict[str, int]:
    storage = await Storage.open(db)
    try:
        return await storage.delivery_counts()
    finally:
        await storage.close()


def _bot(port: int, db: Path, rate: float) -> subprocess.Popen[bytes]:
    env = bot_environment(port, db, rate)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=db.parent, stdin=subprocess.DEVNULL
    )


def run(users: int, rate: float, runs: int) -> None:
    results: list[dict[str, object]] = []
    times: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "bot.sqlite3"
            asyncio.run(_prepare(db, users))
            server, port = start_server(users)
            bot = _bot(port, db, rate)
            try:
                while server_stats(server, REMINDER)["bot_messages"] < max(1, users // 15):
                    time.sleep(0.05)
                began = time.monotonic()
                bot.send_signal(signal.SIGTERM)
                code = bot.wait(timeout=120)
                seconds = time.monotonic() - began
                received = server_stats(server, REMINDER)["chats_reached"]
            finally:
                if bot.poll() is None:
                    bot.kill()
                    bot.wait()
                stop_server(server)
            counts = asyncio.run(_counts(db))
            times.append(seconds)
            results.append({"stop_s": round(seconds, 3), "exit": code, "received": received,
                            "deliveries": counts})  # fmt: skip
            print(f"SIGTERM -> exit {code} in {seconds:.2f} s; {counts}", flush=True)
    slowest = round(max(times), 3)
    print(json.dumps({"benchmark": "stop", "users_due": users, "rate": rate,
                      "stop_s_max": slowest, "runs": results}))  # fmt: skip
