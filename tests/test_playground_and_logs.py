"""The offline playground on scripted input, and the token never reaching the logs."""

from __future__ import annotations

import dataclasses
import io
import logging
import os
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import PROJECT_ROOT, Secret, Settings, setup_logging
from bot.runner import polling
from bot.services import Services
from sandbox.server import FakeBotApi
from tests.conftest import FAKE_TOKEN, shared_locales
from tests.processes import run_bot

REALISTIC_TOKEN = FAKE_TOKEN


@pytest.mark.slow
def test_playground_scripted_session(tmp_path: Path) -> None:
    script = "/start\n1\n/quit\n"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "PYTHONPATH": str(PROJECT_ROOT)})
    result = run_bot(["playground"], env, tmp_path, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    first_line = out.splitlines()[0]
    assert "offline" in first_line.lower()
    assert "TELEGRAM_BOT_TOKEN" in first_line
    assert "you> /start" in out
    assert "[1] 🆘 Cramp now!" in out
    assert "not medical advice" in out
    # Pressing [1] opened the cramp help in place.
    after_press = out.split("you> 1", 1)[1]
    assert "toes" in after_press
    assert (tmp_path / "playground.sqlite3").exists()


@pytest.mark.slow
def test_playground_language_command_switches(tmp_path: Path) -> None:
    script = "/language zh\n小腿抽筋了\n/language en\n/quit\n"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "PYTHONPATH": str(PROJECT_ROOT)})
    result = run_bot(["playground"], env, tmp_path, script)
    assert result.returncode == 0, result.stderr
    chinese, english = result.stdout.split("you> /language en", 1)
    assert "以后我用中文回复你" in chinese  # switched, and the answer to a Chinese cramp is Chinese
    assert "🛏" in chinese.split("you> 小腿抽筋了", 1)[1]
    assert "[1] 🆘 Cramp now!" in english


@pytest.mark.slow
def test_playground_sets_a_reminder_in_one_message_and_a_shared_location(tmp_path: Path) -> None:
    script = "swim reminder mon wed fri 7am 45 min before\n/location 38.72 -9.14\n1\n/quit\n"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "PYTHONPATH": str(PROJECT_ROOT)})
    result = run_bot(["playground"], env, tmp_path, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "{📍 Share my location (location)}" in out  # the reply keyboard is shown
    assert "Time zone: Europe/Lisbon" in out
    assert "45 min before your 07:00 swim" in out
    assert "[1] ✅ Save" in out
    assert "Saved." in out.split("you> 1", 1)[1]


@pytest.mark.e2e
async def test_token_never_logged_at_debug(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with FakeBotApi(token=REALISTIC_TOKEN) as api:
        settings = Settings(
            token=Secret(REALISTIC_TOKEN),
            db_path=tmp_path / "bot.sqlite3",
            api_base_url=api.base_url,
            api_file_url=api.base_file_url,
            log_level="DEBUG",
        )
        setup_logging(settings, stream)
        try:
            services = Services(settings, shared_locales(settings.content_dir, settings.language))
            app = api.follow(build_application(settings, services=services))
            async with polling(app):
                user = api.user()
                await user.command("/start")
                await user.press("🤔 Why cramps happen")
                await user.send("cramp in the pool")
                api.faults.add("500", method="sendMessage")
                await user.send("hello", expect_reply=False)
        finally:
            for handler in list(logging.getLogger().handlers):
                logging.getLogger().removeHandler(handler)
    log = stream.getvalue()
    assert "getUpdates" in log or "sendMessage" in log  # DEBUG really logged the requests
    assert REALISTIC_TOKEN not in log
    assert REALISTIC_TOKEN.split(":")[1] not in log


def test_realistic_token_accepted_by_settings() -> None:
    settings = dataclasses.replace(Settings(), token=Secret(REALISTIC_TOKEN))
    assert REALISTIC_TOKEN not in repr(settings)
