"""Reminder fan-out: N users due in the same minute, delivered to the local Bot API server
(running as its own process) with the rate limit lifted.

Reports: claim + send time, sends/s, peak RSS of this process (the bot side), delivered and
duplicates (counted by the server), and the sweep's cost with N due vs. N subscribed but not due.
"""

from __future__ import annotations

import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path

from bench import seed
from bot.reminders.outbox import BotApiClient, Outbox
from bot.reminders.screens import reminder_message
from bot.reminders.sweep import ReminderScheduler
from bot.services import load_locales
from bot.storage import Delivery, Storage
from bot.views import Screen
from sandbox.serve import DEFAULT_TOKEN, server_stats, start_server, stop_server

BASE = 1_767_225_600  # 2026-01-01T00:00Z
DUE_AT = BASE + 22 * 3600  # 22:00 UTC


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def sweep_cost_ms(storage: Storage, now: int, rounds: int = 20) -> float:
    """The cost of the sweep's query for due reminders, median of `rounds`."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        await storage.due_reminders(now, 2000)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return round(times[len(times) // 2], 3)


CONTENT = Path(__file__).resolve().parent.parent / "content"


async def run_async(users: int, chunk: int, lanes: int) -> dict[str, object]:
    content = load_locales(CONTENT, "en")["en"].content
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "bench.sqlite3")
        # N users due at 22:00, and N more subscribed for 23:00 (not due during the fan-out).
        setup_start = time.perf_counter()
        await seed.add_users_with_reminders(
            storage, [(uid, "UTC", "22:00", DUE_AT) for uid in range(1, users + 1)], BASE
        )
        await seed.add_users_with_reminders(
            storage,
            [(uid, "UTC", "23:00", DUE_AT + 3600) for uid in range(users + 1, 2 * users + 1)],
            BASE,
        )
        setup_s = time.perf_counter() - setup_start
        cost_due = await sweep_cost_ms(storage, DUE_AT + 30)
        cost_not_due = await sweep_cost_ms(storage, DUE_AT - 30)

        server, port = start_server(users)
        try:
            client = BotApiClient(
                f"http://127.0.0.1:{port}/bot", DEFAULT_TOKEN, connections=chunk * lanes
            )

            def render(delivery: Delivery) -> Screen:
                return reminder_message(
                    content, delivery.kind, delivery.local_time, delivery.reminder_id
                )

            clock_now = float(DUE_AT + 30)
            outbox = Outbox(
                storage, client, render, rate=1_000_000.0, clock=lambda: clock_now,
                chunk=chunk, lanes=lanes,
            )  # fmt: skip
            scheduler = ReminderScheduler(
                storage, outbox, grace_seconds=3600, clock_now=lambda: clock_now
            )
            start = time.perf_counter()
            claim = await scheduler.claim_due()
            claimed_s = time.perf_counter() - start
            drained = await outbox.drain()
            total_s = time.perf_counter() - start
            await client.close()
            stats = server_stats(server)
            second = await scheduler.tick()  # nothing left: must send nothing more
            counts = await storage.delivery_counts()
        finally:
            stop_server(server)
        await storage.close()
    return {
        "benchmark": "reminders",
        "users_due": users,
        "users_subscribed_not_due": users,
        "setup_s": round(setup_s, 2),
        "claim_s": round(claimed_s, 3),
        "claim_and_send_s": round(total_s, 3),
        "sends_per_s": round(drained.sent / (total_s - claimed_s), 1) if drained.sent else 0.0,
        "claimed": claim.claimed,
        "sent": drained.sent,
        "failed": drained.failed,
        "delivered": stats["chats_reached"],
        "duplicates": stats["duplicates"],
        "resent_on_second_sweep": second.outbox.sent if second.outbox else 0,
        "deliveries_by_status": counts,
        "sweep_query_ms_with_n_due": cost_due,
        "sweep_query_ms_with_n_not_due": cost_not_due,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "chunk": chunk,
        "lanes": lanes,
        "in_doubt_after_a_crash_at_most": chunk * lanes,
    }


def run(users: int, chunk: int = Outbox.DEFAULT_CHUNK, lanes: int = Outbox.DEFAULT_LANES) -> None:
    result = asyncio.run(run_async(users, chunk, lanes))
    print(
        f"{result['sent']} reminders in {result['claim_and_send_s']} s "
        f"({result['sends_per_s']}/s), peak RSS {result['peak_rss_mb']} MB"
    )
    print(json.dumps(result))
