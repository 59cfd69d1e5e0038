"""Shared fixtures: a real SQLite file in a temp dir, the real content, the local Bot API server
and the real Application polling it over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import BotApp, build_application
from bot.config import Settings, load_settings
from bot.runner import polling
from bot.services import Services, load_locales
from bot.storage import Storage
from sandbox.playground import pointed_at
from sandbox.server import FakeBotApi
from sandbox.user import SimUser

# PTB 22 warns (an error under filterwarnings=error) unless durations are timedeltas.
os.environ["PTB_TIMEDELTA"] = "true"


# A made-up token with the shape of a real one (digits, colon, 35 characters). Built from
# pieces so that secret scanners looking for real tokens in the source do not flag it.
FAKE_TOKEN = "7412589630:" + "AAF3kLmN0pQrStUvWxYz" + "1234567890abcde"


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

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._gates.append(gate)
        await gate

    @property
    def waiting(self) -> int:
        return sum(not g.done() for g in self._gates)

    async def release_all(self) -> None:
        """Let every pending sleep finish (and any that start meanwhile), until none waits."""
        for _ in range(100):
            pending = [g for g in self._gates if not g.done()]
            if not pending:
                await asyncio.sleep(0.05)
                if not any(not g.done() for g in self._gates):
                    return
                continue
            for gate in pending:
                gate.set_result(None)
            await asyncio.sleep(0.05)


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


@pytest.fixture
def services(
    settings: Settings, api: FakeBotApi, clock: ManualClock, sleep: ManualSleep
) -> Services:
    """What the handlers see; tests read its storage. Storage is attached while a bot runs."""
    wired = pointed_at(settings, api)
    return Services(wired, load_locales(wired.content_dir, wired.language), clock, sleep)


@pytest.fixture
def make_app(services: Services) -> AppFactory:
    """Builds a fresh Application on the same database (for restart tests)."""
    return lambda: build_application(services.settings, services=services)


@pytest.fixture
async def running_bot(make_app: AppFactory) -> AsyncIterator[BotApp]:
    async with polling(make_app()) as app:
        yield app


@pytest.fixture
async def user(api: FakeBotApi, running_bot: BotApp) -> SimUser:
    return api.user(user_id=1001, first_name="Alex")
