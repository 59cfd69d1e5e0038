"""The cramp diary: drawing time, event-loop stalls while drawing, and /diary end to end for a
diary of 1,000 entries through the local Bot API server.

Reports (last line, one JSON object):
- render_p99_ms: one chart drawn to PNG in the drawing thread, p99 of `renders`;
- loop_stall_max_ms: the longest the event loop waited beyond a 1 ms tick while those charts
  were drawn (drawing runs off the loop, so this stays small);
- diary_e2e_p99_ms: /diary sent by a simulated person until the month's summary (after its
  chart) is in the chat, p99 of `rounds`, real Application polling the local server;
- pdf_bytes, csv_rows: the "Share with your doctor" export of that diary;
- render_cpu_median_ms (CPU time of one drawing) and load_avg_1m: the wall-clock figures
  include waiting for a CPU, so read them with the machine's load.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import seed
from bot.app import build_application
from bot.config import load_settings
from bot.diary import screens as ds
from bot.diary.chart import render, render_png
from bot.diary.summary import summarise
from bot.runner import polling
from bot.services import Services, load_locales
from bot.storage import NewEntry
from sandbox.playground import pointed_at
from sandbox.server import FakeBotApi
from sandbox.user import SimUser

USER = 4242
DAY = 86_400


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)


def fake_entries(now: int, count: int, seed: int = 7) -> list[NewEntry]:
    """`count` cramps over the last year, most at night, some in the water."""
    rng = random.Random(seed)
    methods = ("stretch", "massage", "walk", "ankle")
    entries = []
    for _ in range(count):
        when = now - rng.randrange(365 * DAY)
        tried = tuple(methods[: rng.randint(1, 4)])
        entries.append(
            NewEntry(
                occurred_utc=when, zone="UTC", place=rng.choice(("bed", "bed", "land", "water")),
                tried=tried, helped=rng.choice((*tried, None)),
                minutes_to_ease=rng.choice((None, 1, 2, 3, 5, 8)), severe=rng.random() < 0.02,
                source="flow", side=rng.choice((None, "left", "right")), muscle="calf",
            )
        )  # fmt: skip
    return entries


async def stall_watch(stop: asyncio.Event, worst: list[float]) -> None:
    """Tick every 1 ms; record the longest lateness of a tick."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(0.001)
        worst[0] = max(worst[0], (loop.time() - start - 0.001) * 1000)


async def wait_for(user: SimUser, api: FakeBotApi, marker: str, since: int, within: float) -> None:
    chat = api.chat_state(user.user_id)
    assert chat is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        for message_id in chat.touched_since(since):
            message = chat.messages.get(message_id)
            if message is not None and marker in message.text:
                return
        if not await chat.action_signal.wait(deadline - loop.time()):
            raise TimeoutError(f"no {marker!r} within {within} s")


async def run_async(entries: int, renders: int, rounds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        settings = dataclasses.replace(
            load_settings({}, require_token=False),
            db_path=Path(folder) / "bench.sqlite3", reminder_sweep_seconds=3600.0,
        )  # fmt: skip
        async with FakeBotApi() as api:
            wired = pointed_at(settings, api)
            services = Services(wired, load_locales(wired.content_dir, wired.language))
            async with polling(build_application(wired, services=services)):
                user = api.user(user_id=USER, first_name="Alex")
                [intro] = await user.command("/diary")
                await user.press(intro.labels[0])  # Yes, keep a diary
                now = services.now()
                await seed.add_diary_entries(
                    services.storage, USER, fake_entries(now, entries), now
                )
                content = services.locales["en"].content

                # 1. Drawing, and the loop while drawing.
                stored = await services.storage.diary_entries(USER, now - 31 * DAY)
                summary = summarise(stored, datetime.fromtimestamp(now, UTC).date())
                labels = ds.chart_labels(content, summary, "en")
                await render(summary.days, labels)  # warm-up: the first import of matplotlib
                stop, worst = asyncio.Event(), [0.0]
                watcher = asyncio.create_task(stall_watch(stop, worst))
                times = []
                for _ in range(renders):
                    start = time.perf_counter()
                    await render(summary.days, labels)
                    times.append((time.perf_counter() - start) * 1000)
                stop.set()
                await watcher
                # The same watch as long again with nothing drawn: what the machine itself
                # (and the rest of this process: the bot, the server) costs the loop.
                stop, idle = asyncio.Event(), [0.0]
                watcher = asyncio.create_task(stall_watch(stop, idle))
                await asyncio.sleep(sum(times) / 1000)
                stop.set()
                await watcher
                # CPU time of one drawing, here in this process: what it costs whatever the
                # load on the machine (the wall-clock figures above include waiting for a CPU).
                cpu = []
                for _ in range(10):
                    start_cpu = time.process_time()
                    render_png(summary.days, labels)
                    cpu.append((time.process_time() - start_cpu) * 1000)

                # 2. /diary end to end.
                chat = api.chat_state(USER)
                assert chat is not None
                e2e = []
                for _ in range(rounds):
                    since = chat.action_seq
                    start = time.perf_counter()
                    user.enqueue("/diary")
                    await wait_for(user, api, "Your cramp diary", since, 30.0)
                    e2e.append((time.perf_counter() - start) * 1000)

                # 3. The export.
                await user.press("📄 Share with your doctor", expect_reply=False)
                shown = await user.wait_for(
                    lambda chat: sum(m.kind == "document" for m in chat) == 2, timeout=60.0
                )
                pdf, table = (m for m in shown if m.kind == "document")
                assert pdf.file is not None
                assert table.file is not None
                rows = list(csv.reader(io.StringIO(table.file.decode("utf-8-sig"))))
    return {
        "entries": entries,
        "renders": renders,
        "render_p99_ms": p99(times),
        "render_median_ms": round(sorted(times)[len(times) // 2], 1),
        "render_cpu_median_ms": round(sorted(cpu)[len(cpu) // 2], 1),
        "loop_stall_max_ms": round(worst[0], 1),
        "loop_stall_idle_max_ms": round(idle[0], 1),
        "rounds": rounds,
        "diary_e2e_p99_ms": p99(e2e),
        "diary_e2e_median_ms": round(sorted(e2e)[len(e2e) // 2], 1),
        "pdf_bytes": len(pdf.file),
        "csv_rows": len(rows) - 1,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def run(entries: int = 1000, renders: int = 100, rounds: int = 50) -> None:
    result = asyncio.run(run_async(entries, renders, rounds))
    print(json.dumps(result))
