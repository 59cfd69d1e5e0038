"""Throughput: many simulated users drive the full bot (real SQLite file on disk) through the
local Bot API server with a realistic mix: free text with typos, both flows by buttons,
reminder set-up. The same number and kinds of updates then go through a minimal echo bot on
the same stack (python-telegram-bot + the same local server): the floor.

The bot runs in one process and the load (the local server and the users) in another, as
Telegram would be elsewhere; peak RSS is the bot process's own. Two phases for each bot:
- closed loop: every user acts again as soon as it has the whole answer -> updates/s;
- open loop at a fixed rate (default 200 updates/s) -> p50/p99 from send to the whole answer.

The whole answer: an answer can be several messages (a screen and a follow-up), so the bot
process tells the load process "update N handled" (its update processor's signal, down a pipe)
and a user acts again only then, as in the test suite. A user that ran ahead of the bot would
press buttons that are not there yet, and count errors that are the script's, not the bot's.
An error is then a real one: no answer in 10 s, an update handled with nothing visible, a
button the script expects missing, or the bot's own error, stale-button or flood screen.
"""

from __future__ import annotations

import asyncio
import cProfile
import dataclasses
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import views
from bot.app import GET_UPDATES_READ_TIMEOUT, HTTP_POOL_SIZE, build_application, collect_less
from bot.concurrency import PerChatUpdateProcessor
from bot.config import PROJECT_ROOT, Secret, load_settings
from bot.content import load_content
from bot.handlers.telegram_io import markup
from bot.http import AiohttpRequest
from bot.runner import polling
from sandbox.serve import DEFAULT_TOKEN
from sandbox.server import FakeBotApi
from sandbox.store import ChatState, HandledUpdates
from sandbox.user import SimUser, command_entities

FREE_TEXT = [
    "cramp in bed", "crmap in teh pool", "why do my feet cramp at night", "how to prevent cramps",
    "hi", "is this serious", "charley horse!!", "what causes leg cramps", "calf massage tips",
    "remind me before my swim", "toe strech", "who won the football", "my calf is cramping",
]  # fmt: skip

# One session of the full bot: (kind, payload). "text": send it; "press": tap that label,
# or the first of several labels that is on screen.
FULL_SESSION: list[tuple[str, str]] = [
    ("text", "/start"),
    ("text", "*free"),
    ("text", "/cramp"),
    ("press", "🛏 Cramp in bed / on land"),
    ("press", "➡️ Try something else"),
    ("press", "✅ It eased"),
    ("press", "Rubbing the calf"),
    ("text", "*free"),
    ("text", "/reminders"),
    ("press", "⏰ Bedtime stretch"),
    ("tz", "London"),
    ("press", "22:30"),
    ("press", "⬅️ My reminders"),
]
# In the open loop, each person acts this often (seconds): the people needed for the rate.
OPEN_LOOP_PERIOD = 2.0
ECHO_SESSION: list[tuple[str, str]] = [
    ("press", "Press") if kind in ("press", "tz") else (kind, payload)
    for kind, payload in FULL_SESSION
]


# The start of the screens that say something went wrong (plain text, as a chat shows it).
ERROR_SCREENS = tuple(
    load_content(PROJECT_ROOT / "content", "en").text(key).split("\n")[0]
    for key in ("error_generic", "error_storage", "stale_button", "flood")
)
# How long a user waits for an answer before counting an error.
ANSWER_TIMEOUT = 10.0


@dataclass
class Driver:
    """Simulated users acting through `api`. `handled`: the bot's "update N handled" signals
    (a user waits for them: every message of an answer); None for a bot that gives none (stock
    PTB), where an exchange ends at the first message or edit that answers it."""

    api: FakeBotApi
    rng: random.Random
    handled: HandledUpdates | None = None
    latencies: list[float] = field(default_factory=list)
    updates: int = 0
    errors: int = 0
    # What went wrong, by kind (the JSON's "error_kinds").
    error_kinds: Counter[str] = field(default_factory=Counter)
    # Each pass through the session is a new person's: the script expects a newcomer's
    # screens (a second pass would find a reminder saved and a flow that remembers).
    next_id: int = 1_000_000

    def newcomer(self) -> SimUser:
        self.next_id += 1
        return self.api.user(user_id=self.next_id, first_name=f"N{self.next_id}")

    async def act(self, user: SimUser, kind: str, payload: str) -> None:
        chat = self.api.chat_state(user.user_id)
        assert chat is not None
        if kind == "tz":
            last = user.last_bot_message()
            if last is None or "time zone" not in last.text.lower():
                # The zone is known already and the time picker is on screen: nudge the time.
                kind, payload = "press", "+15 min"
            else:
                kind = "text"
        if kind == "text":
            text = self.rng.choice(FREE_TEXT) if payload == "*free" else payload
            await self._exchange(chat, lambda: self._text(chat, text), None)
        else:
            found = self._button(user, payload)
            if found is None:
                self._error("button missing")
                return
            message, data = found
            await self._exchange(
                chat, lambda: self.api.user_callback(chat, message, data), message.message_id
            )

    def _text(self, chat: ChatState, text: str) -> int:
        return self.api.user_message(chat, text=text, entities=command_entities(text))[1]

    @staticmethod
    def _button(user: SimUser, label: str) -> tuple[Any, str] | None:
        chat = user.api.chat_state(user.user_id)
        assert chat is not None
        for message in reversed(list(chat.messages.values())):
            if message.from_bot:
                for row in message.buttons:
                    for button in row:
                        if button.text == label and button.callback_data:
                            return message, button.callback_data
        return None

    def _error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1

    async def _exchange(
        self, chat: ChatState, push: Callable[[], int], pressed: int | None
    ) -> None:
        """Send one update; wait until the bot has answered it: handled (when the bot says so),
        and a new message or an edit of the `pressed` message (a running countdown's edits of
        another message are no answer)."""
        start_seq = chat.action_seq
        known = set(chat.messages)

        def touched() -> list[int]:
            return [m for m in chat.touched_since(start_seq) if m not in known or m == pressed]

        began = time.perf_counter()
        update_id = push()
        self.updates += 1
        deadline = began + ANSWER_TIMEOUT
        if self.handled is not None:
            if not await self.handled.wait((update_id,), ANSWER_TIMEOUT):
                self._error("no answer")
                return
        else:
            while not touched():
                left = deadline - time.perf_counter()
                if left <= 0 or not await chat.action_signal.wait(left):
                    self._error("no answer")
                    return
        elapsed = time.perf_counter() - began
        answer = touched()
        if not answer:
            self._error("nothing visible")
            return
        if any(
            m in chat.messages and chat.messages[m].text.startswith(ERROR_SCREENS) for m in answer
        ):
            self._error("error screen")
            return
        self.latencies.append(elapsed)


async def closed_loop(driver: Driver, users: list[SimUser], session: list[tuple[str, str]],
                      seconds: float) -> float:  # fmt: skip
    """Every user runs sessions back to back; returns updates per second."""
    stop_at = time.perf_counter() + seconds
    start_updates = driver.updates

    async def run(user: SimUser) -> None:
        while time.perf_counter() < stop_at:
            for kind, payload in session:
                if time.perf_counter() >= stop_at:
                    return
                await driver.act(user, kind, payload)
            user = driver.newcomer()

    began = time.perf_counter()
    await asyncio.gather(*(run(u) for u in users))
    return (driver.updates - start_updates) / (time.perf_counter() - began)


async def open_loop(driver: Driver, users: list[SimUser], session: list[tuple[str, str]],
                    rate: float, seconds: float) -> tuple[float, list[float]]:  # fmt: skip
    """Users act on a fixed timetable adding up to `rate` updates/s; returns (achieved rate,
    latencies)."""
    period = len(users) / rate
    driver.latencies = []
    start_updates = driver.updates
    began = time.perf_counter()
    stop_at = began + seconds

    async def run(index: int, user: SimUser) -> None:
        next_at = began + period * index / len(users)
        step = 0
        while True:
            wait = next_at - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.perf_counter() >= stop_at:
                return
            if step and step % len(session) == 0:
                user = driver.newcomer()
            kind, payload = session[step % len(session)]
            await driver.act(user, kind, payload)
            step += 1
            next_at += period

    await asyncio.gather(*(run(i, u) for i, u in enumerate(users)))
    elapsed = time.perf_counter() - began
    return (driver.updates - start_updates) / elapsed, list(driver.latencies)


def _echo_app(base_url: str, file_url: str, *, stock: bool = False, rich: bool = False) -> Any:
    """A minimal echo bot. `stock`: PTB's own HTTP layer (httpx) and defaults; otherwise the
    same HTTP layer, update processor and garbage collector settings as the full bot. `rich`:
    instead of echoing, it answers with the full bot's own screens (a 1 KB HTML page, many
    buttons), so the payload is the same and only the logic differs."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Press", callback_data="press")]])
    content = load_content(PROJECT_ROOT / "content", "en")
    press = (views.Button("Press", "press"),)
    pages = [
        dataclasses.replace(screen, rows=(*screen.rows, press))
        for screen in (
            views.main_menu(content, content.text("help")),
            views.topic_screen(content, content.topics["cause_cold"], from_menu="causes"),
            views.topic_screen(content, content.topics["cause_fatigue"], from_menu="causes"),
        )
    ]

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        if rich:
            await message.reply_text(
                pages[0].text, parse_mode="HTML", reply_markup=markup(pages[0])
            )
        else:
            await message.reply_text(message.text, reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        text = query.message.text if query.message and hasattr(query.message, "text") else ""
        if rich:
            page = pages[1] if not text.startswith("Cold") else pages[2]
            await query.edit_message_text(page.text, parse_mode="HTML", reply_markup=markup(page))
        else:
            await query.edit_message_text(
                "pressed" if text != "pressed" else "pressed again", reply_markup=keyboard
            )

    builder = Application.builder().token(DEFAULT_TOKEN).base_url(base_url).base_file_url(file_url)
    if not stock:
        builder = (
            builder.concurrent_updates(PerChatUpdateProcessor())
            .request(AiohttpRequest(HTTP_POOL_SIZE))
            .get_updates_request(AiohttpRequest(1, read_timeout=GET_UPDATES_READ_TIMEOUT))
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


async def generate_load(users: int, seconds: float, rate: float) -> None:
    """The load process: the local Bot API server and the simulated users, on their own core.
    Prints READY <port>, waits for a line on stdin (the bot is polling), warms up, prints WARM
    (the bot starts its clock), runs, prints JSON. Meanwhile stdin brings the update ids the
    bot has handled, one a line ("-" first: the bot gives no such signal); it ends when the
    bot has stopped."""
    rng = random.Random(42)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    async with FakeBotApi(token=DEFAULT_TOKEN) as api:
        print(f"READY {api.port}", flush=True)
        which = (await stdin.readline()).decode().strip()
        signals = (await stdin.readline()).decode().strip() != "-"
        handled = HandledUpdates() if signals else None
        reading = asyncio.create_task(_read_handled(stdin, handled))
        session = FULL_SESSION if which == "full" else ECHO_SESSION
        # The open loop offers `rate` with each person acting every OPEN_LOOP_PERIOD seconds
        # (a person waits for the answer before acting again: with only `users` people, the
        # offered rate would be capped at users / latency).
        count = max(users, math.ceil(rate * OPEN_LOOP_PERIOD))
        everyone = [api.user(user_id=10_000 + i, first_name=f"U{i}") for i in range(count)]
        driver = Driver(api, rng, handled)
        await _warm_up(driver, everyone, session)
        print("WARM", flush=True)
        calls_before = Counter(api.stats.calls)
        profiler = _profiler("BENCH_PROFILE_LOAD")
        if profiler is not None:
            profiler.enable()
        cpu_before = time.process_time()
        closed = await closed_loop(driver, everyone[:users], session, seconds)
        achieved, latencies = await open_loop(driver, everyone, session, rate, seconds)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE_LOAD"])
        calls = dict(Counter(api.stats.calls) - calls_before)
        latencies.sort()
        load_cpu_ms = 1000 * (time.process_time() - cpu_before) / max(1, driver.updates)
        _print_results(closed, achieved, latencies, driver, calls, load_cpu_ms)
        # Keep serving until the bot has stopped polling (the parent closes our stdin).
        await reading


async def _read_handled(stdin: asyncio.StreamReader, handled: HandledUpdates | None) -> None:
    """Mark each update id the bot reports handled, until the bot closes the pipe."""
    async for line in stdin:
        if handled is not None:
            handled.mark(int(line))


async def _warm_up(driver: Driver, people: list[SimUser], session: list[tuple[str, str]]) -> None:
    """Every chat starts and shows a message with buttons; one person goes through every
    free text and the session once, so that what the bot builds on first use (caches,
    compiled patterns) is not counted. Then the counters start from zero."""
    for person in people:
        await driver.act(person, "text", "/start")
    first = people[0]
    for text in FREE_TEXT:
        await driver.act(first, "text", text)
    for kind, payload in session:
        await driver.act(first, kind, payload)
    driver.updates, driver.errors, driver.latencies = 0, 0, []
    driver.error_kinds.clear()


def _print_results(
    closed: float, achieved: float, latencies: list[float], driver: Driver, calls: dict[str, int],
    load_cpu_ms: float,
) -> None:  # fmt: skip

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 2)

    print(json.dumps({
        "closed_loop_updates_per_s": round(closed, 1),
        "open_loop_rate": round(achieved, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        "errors": driver.errors,
        "error_kinds": dict(driver.error_kinds),
        "updates_total": driver.updates,
        "api_calls": calls,
        # The load process's own CPU per update (server and users): what it can offer.
        "load_cpu_ms_per_update": round(load_cpu_ms, 3),
    }), flush=True)  # fmt: skip


async def measure(which: str, users: int, seconds: float, rate: float) -> dict[str, Any]:
    """The bot process: runs the full or the echo bot against a load process."""
    load = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block; it runs alongside
        [sys.executable, "-m", "bench", "throughput", "--load", "--users", str(users),
         "--seconds", str(seconds), "--rate", str(rate)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert load.stdin is not None
    assert load.stdout is not None
    port = int(load.stdout.readline().split()[1])
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        if which == "full":
            settings = dataclasses.replace(
                load_settings({}, require_token=False),
                token=Secret(DEFAULT_TOKEN),
                api_base_url=f"{base}/bot",
                api_file_url=f"{base}/file/bot",
                db_path=Path(folder) / "bench.sqlite3",
                log_level="WARNING",
            )
            app = build_application(settings)
        else:
            app = _echo_app(
                f"{base}/bot", f"{base}/file/bot", stock=which == "echo-stock",
                rich=which == "echo-rich",
            )  # fmt: skip
        profiler = _profiler("BENCH_PROFILE")
        # "Update N handled", from the update processor to the load process, a line each.
        pipe = load.stdin.fileno()
        processor = app.update_processor
        signals = isinstance(processor, PerChatUpdateProcessor)
        if isinstance(processor, PerChatUpdateProcessor):
            processor.handled_listeners.append(lambda update_id: _tell(pipe, update_id))
        async with polling(app):
            if which in ("echo", "echo-rich"):
                collect_less()  # as the full bot does once started: the same stack
            load.stdin.write(f"{which}\n{'+' if signals else '-'}\n")
            load.stdin.flush()
            warm = await asyncio.to_thread(load.stdout.readline)
            assert warm.strip() == "WARM", warm
            cpu_before = time.process_time()
            if profiler is not None:
                profiler.enable()
            line = await asyncio.to_thread(load.stdout.readline)
            cpu_seconds = time.process_time() - cpu_before
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(os.environ["BENCH_PROFILE"])
    load.stdin.close()
    load.wait(timeout=30)
    load.stdout.close()
    result: dict[str, Any] = {"bot": which, **json.loads(line)}
    # The bot process's own CPU per update (all its threads): what one core can sustain,
    # whatever the load generator's own speed.
    cpu_ms = 1000 * cpu_seconds / max(1, result["updates_total"])
    result["cpu_ms_per_update"] = round(cpu_ms, 3)
    result["capacity_updates_per_cpu_s"] = round(1000 / cpu_ms, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _tell(pipe: int, update_id: int) -> None:
    os.write(pipe, b"%d\n" % update_id)


def _profiler(variable: str) -> cProfile.Profile | None:
    """A profiler of the measured phases when `variable` names a file for its stats (BENCH_PROFILE:
    the bot process, BENCH_PROFILE_LOAD: the load process); cProfile slows everything down, so
    such a run's figures are only for comparing where the time goes. It counts the CPU time of
    the event loop's thread: on a shared machine, wall time would also count the moments the
    process waited for a core (a socket send that let the other process run, say)."""
    return cProfile.Profile(time.thread_time) if os.environ.get(variable) else None


def run_one(which: str, users: int, seconds: float, rate: float) -> None:
    print(json.dumps(asyncio.run(measure(which, users, seconds, rate))))


def run(users: int, seconds: float, rate: float) -> None:
    results: dict[str, dict[str, Any]] = {}
    for which in ("echo-stock", "echo", "echo-rich", "full"):
        child = subprocess.run(
            [sys.executable, "-m", "bench", "throughput", "--only", which, "--users", str(users),
             "--seconds", str(seconds), "--rate", str(rate)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        results[which] = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{which}: {results[which]}")
    full, echo, stock = results["full"], results["echo"], results["echo-stock"]
    rich = results["echo-rich"]
    summary = {
        "benchmark": "throughput",
        "users": users,
        "updates_per_s_full": full["closed_loop_updates_per_s"],
        "updates_per_s_echo": echo["closed_loop_updates_per_s"],
        "ratio_full_to_echo": round(
            full["closed_loop_updates_per_s"] / echo["closed_loop_updates_per_s"], 3
        ),
        "cpu_ms_per_update_full": full["cpu_ms_per_update"],
        "cpu_ms_per_update_echo": echo["cpu_ms_per_update"],
        "capacity_ratio_full_to_echo": round(
            full["capacity_updates_per_cpu_s"] / echo["capacity_updates_per_cpu_s"], 3
        ),
        "updates_per_s_echo_same_payload": rich["closed_loop_updates_per_s"],
        "capacity_ratio_full_to_echo_same_payload": round(
            full["capacity_updates_per_cpu_s"] / rich["capacity_updates_per_cpu_s"], 3
        ),
        "updates_per_s_echo_stock_ptb": stock["closed_loop_updates_per_s"],
        "ratio_full_to_echo_stock_ptb": round(
            full["closed_loop_updates_per_s"] / stock["closed_loop_updates_per_s"], 3
        ),
        "fixed_rate": rate,
        "p50_ms_full": full["p50_ms"],
        "p99_ms_full": full["p99_ms"],
        "p50_ms_echo": echo["p50_ms"],
        "p99_ms_echo": echo["p99_ms"],
        "peak_rss_mb_full": full["peak_rss_mb"],
        "peak_rss_mb_echo": echo["peak_rss_mb"],
        "errors_full": full["errors"],
        "errors_echo": echo["errors"],
        "error_kinds_full": full["error_kinds"],
    }
    print(json.dumps(summary))
