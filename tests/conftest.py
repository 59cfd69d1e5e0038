"""Shared fixtures: a real SQLite file in a temp dir, the real content, the local Bot API server
and the real Application polling it over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApp, build_application
from bot.build_cache import default_dir
from bot.config import Settings, load_settings
from bot.handlers import telegram_io
from bot.reminders import zones
from bot.runner import polling
from bot.services import Locale, Services, load_locales
from bot.storage import Storage
from sandbox.playground import pointed_at
from sandbox.server import FakeBotApi
from sandbox.user import SimUser

# PTB 22 warns (an error under filterwarnings=error) unless durations are timedeltas.
os.environ["PTB_TIMEDELTA"] = "true"


# A made-up token with the shape of a real one (digits, colon, 35 characters). Built from
# pieces so that secret scanners looking for real tokens in the source do not flag it.
FAKE_TOKEN = "7412589630:" + "AAF3kLmN0pQrStUvWxYz" + "1234567890abcde"


# Built languages and the zone index are read from the user's cache folder, as the bot does
# (bot/build_cache.py); tests of the cache itself use folders of their own.
CACHE = default_dir()


def pytest_configure(config: pytest.Config) -> None:
    """With workers (`-n`), build the shared objects once, before they start, in a process
    without the coverage tracer; each worker then reads them from the cache folder. If that
    fails (a content mistake), the workers build them and their tests say what is wrong."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        subprocess.run([sys.executable, "-m", "tests.warm_cache"], capture_output=True, check=False)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """pytest-cov 7.1 in an xdist worker: the worker's command line has `-n`, so at start-up
    the plugin starts a master's Coverage there too, which its worker Coverage then stacks on
    at this hook. Each `no_cover` pause of the worker's resumes that first one, so a
    `no_cover` test still ran traced (routing the English examples: 10 s instead of 3 s), its
    data saved nowhere. Stopped here, before the worker's starts: nothing measured changes."""
    if not hasattr(session.config, "workerinput"):
        return
    plugin = session.config.pluginmanager.getplugin("_cov")
    controller: Any = getattr(plugin, "cov_controller", None)
    measuring = getattr(controller, "cov", None)
    if type(controller).__name__ == "DistMaster" and measuring is not None:
        measuring.stop()


@pytest.fixture(scope="session", autouse=True)
def zone_index() -> None:
    """The time-zone index takes a couple of seconds to build: once per test session, up
    front, so that no test's first typed city waits for it."""
    zones.warm_up(cache=CACHE)


async def _quick_sleep(seconds: float) -> None:
    """Telegram's waits on a clock a hundred times faster: a `retry_after` of 1 s is 10 ms."""
    await asyncio.sleep(seconds / 100)


QUICK_BACKOFF = telegram_io.Backoff(delays=(0.001, 0.002, 0.004), sleep=_quick_sleep)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot retries as in production (same attempts, same rules), without the real waits
    between attempts (3.5 s for a call that fails for good); tests/test_telegram_io.py checks
    the real schedule."""
    monkeypatch.setattr(telegram_io, "BACKOFF", QUICK_BACKOFF)


class ManualClock:
    """A clock the test moves by hand: no real sleeps."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00Z
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ManualSleep:
    """A sleep that waits until the test lets it finish: countdowns move only when told."""

    def __init__(self) -> None:
        self.requested: list[float] = []
        self._gates: list[asyncio.Future[None]] = []
        # The task behind each gate, and a future each released task resolves when it next
        # sleeps: together they say when a released countdown has done its step.
        self._sleepers: dict[asyncio.Future[None], asyncio.Task[object]] = {}
        self._slept_again: dict[asyncio.Task[object], asyncio.Future[None]] = {}

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        again = self._slept_again.pop(task, None)
        if again is not None and not again.done():
            again.set_result(None)
        gate: asyncio.Future[None] = loop.create_future()
        self._gates.append(gate)
        self._sleepers[gate] = task
        await gate

    @property
    def waiting(self) -> int:
        return sum(not g.done() for g in self._gates)

    async def release_all(self) -> None:
        """Let every pending sleep finish (and any that start meanwhile), until none waits:
        after each release, wait until each released task has ended or sleeps again."""
        loop = asyncio.get_running_loop()
        for _ in range(1000):
            pending = [g for g in self._gates if not g.done()]
            if not pending:
                return
            progress: list[Awaitable[object]] = []
            for gate in pending:
                task = self._sleepers.pop(gate)
                again: asyncio.Future[None] = loop.create_future()
                self._slept_again[task] = again
                gate.set_result(None)
                either: set[asyncio.Future[Any]] = {task, again}
                progress.append(asyncio.wait(either, timeout=10, return_when="FIRST_COMPLETED"))
            await asyncio.gather(*progress)
        raise AssertionError("the sleeps never stopped: a countdown that does not end")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleep() -> ManualSleep:
    return ManualSleep()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The sweep job would tick on its own every REMINDER_SWEEP_SECONDS; tests tick it by hand.
    return dataclasses.replace(
        load_settings({}, require_token=False),
        db_path=tmp_path / "bot.sqlite3",
        reminder_sweep_seconds=3600.0,
    )


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = await Storage.open(tmp_path / "store.sqlite3")
    yield store
    await store.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


AppFactory = Callable[[], BotApp]


@functools.cache
def shared_locales(root: Path, default: str) -> Mapping[str, Locale]:
    """The languages, loaded once per test run (half a second each time otherwise): content,
    routers and flow engines are read-only, their only state being caches."""
    return load_locales(root, default, CACHE)


@pytest.fixture
def services(
    settings: Settings, api: FakeBotApi, clock: ManualClock, sleep: ManualSleep
) -> Services:
    """What the handlers see; tests read its storage. Storage is attached while a bot runs."""
    wired = pointed_at(settings, api)
    return Services(wired, shared_locales(wired.content_dir, wired.language), clock, sleep)


@pytest.fixture
def make_app(services: Services, api: FakeBotApi) -> AppFactory:
    """Builds a fresh Application on the same database (for restart tests), followed by the
    server so that simulated users wait for "update handled"."""
    return lambda: api.follow(build_application(services.settings, services=services))


@pytest.fixture
async def running_bot(make_app: AppFactory) -> AsyncIterator[BotApp]:
    async with polling(make_app()) as app:
        yield app


@pytest.fixture
async def user(api: FakeBotApi, running_bot: BotApp) -> SimUser:
    return api.user(user_id=1001, first_name="Alex")


# Fixtures (and modules) that bring up the local Bot API server: their tests are end to end.
E2E_FIXTURES = frozenset({"api", "running_bot", "user", "make_app", "impatient_user"})
E2E_MODULES = frozenset({"test_sandbox", "test_tour"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark e2e tests by what they use, so that `make test-fast` leaves them out."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & E2E_FIXTURES or item.path.stem in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)
