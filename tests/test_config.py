"""Settings from the environment and .env: defaults, validation, and the exit-2 error line."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.config import (
    PROJECT_ROOT,
    ConfigError,
    Secret,
    Settings,
    load_settings,
    read_environment,
    setup_logging,
)
from tests.conftest import FAKE_TOKEN
from tests.processes import run_bot, start_server, stop_server

GOOD_TOKEN = FAKE_TOKEN


def test_defaults_without_token_when_not_required() -> None:
    settings = load_settings({}, require_token=False)
    assert settings.token.get() == ""
    assert settings.db_path == PROJECT_ROOT / "data" / "crampbot.sqlite3"
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.log_level == "INFO"
    assert not settings.webhook_mode
    assert settings.reminder_rate == 25.0
    assert settings.reminder_grace_minutes == 60


def test_full_environment_is_read() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        "DATABASE_PATH": "/tmp/x.sqlite3",
        "LOG_LEVEL": "debug",
        "BOT_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "WEBHOOK_URL": "https://example.org/hook",
        "WEBHOOK_SECRET": "s3cret_value-1234",
        "WEBHOOK_PORT": "9000",
        "REMINDER_RATE": "10",
        "OPERATOR_IDS": "1, 2,3",
    }
    s = load_settings(env)
    assert s.token.get() == GOOD_TOKEN
    assert s.db_path == Path("/tmp/x.sqlite3")
    assert s.log_level == "DEBUG"
    assert s.api_base_url == "http://127.0.0.1:8081/bot"
    assert s.webhook_mode
    assert s.webhook_port == 9000
    assert s.reminder_rate == 10.0
    assert s.operator_ids == frozenset({1, 2, 3})


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "WEBHOOK_PORT": "http"}, "WEBHOOK_PORT"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "WEBHOOK_URL": "http://x.org"}, "WEBHOOK_URL"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "WEBHOOK_URL": "https://x.org"}, "WEBHOOK_SECRET"),
        (
            {
                "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
                "WEBHOOK_URL": "https://x.org",
                "WEBHOOK_SECRET": "a b",
            },
            "WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
                "WEBHOOK_URL": "https://x.org",
                "WEBHOOK_SECRET": "e",
            },
            "WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
                "WEBHOOK_URL": "https://x.org",
                "WEBHOOK_SECRET": "fifteen-chars-x",
            },
            "WEBHOOK_SECRET",
        ),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "BOT_API_BASE_URL": "ftp://x"}, "BOT_API_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "CONTENT_DIR": "/nope"}, "CONTENT_DIR"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "BOT_LANGUAGE": "xx"}, "BOT_LANGUAGE"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "OPERATOR_IDS": "me"}, "OPERATOR_IDS"),
        ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "REMINDER_RATE": "0"}, "REMINDER_RATE"),
    ],
)
def test_invalid_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.variable == variable
    assert str(info.value).startswith(variable)


def test_env_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=WARNING\nDATABASE_PATH=/tmp/from-env-file.db\n# a comment\n")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    values = read_environment(env_file)
    assert values["LOG_LEVEL"] == "ERROR"
    assert values["DATABASE_PATH"] == "/tmp/from-env-file.db"


def test_secret_never_shows_itself() -> None:
    secret = Secret(GOOD_TOKEN)
    settings = Settings(token=secret)
    for rendering in (repr(secret), str(secret), f"{secret}", repr(settings), str(settings)):
        assert GOOD_TOKEN not in rendering
    assert secret.get() == GOOD_TOKEN


def test_logging_redacts_token_in_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    setup_logging(Settings(token=Secret(GOOD_TOKEN), log_level="DEBUG"), stream)
    log = logging.getLogger("httpx.test")
    log.warning("POST https://api.telegram.org/bot%s/getMe", GOOD_TOKEN)
    try:
        raise RuntimeError(f"failed at /bot{GOOD_TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("bot.test").exception("boom")
    output = stream.getvalue()
    assert "getMe" in output
    assert "boom" in output
    assert "<redacted>" in output
    assert GOOD_TOKEN not in output
    logging.getLogger().handlers.clear()


def _run_bot(
    args: list[str], env: dict[str, str], cwd: Path, *, interpreter: bool = False
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS`: a forked process (tests/processes.py), or with `interpreter` a
    new Python interpreter, which keeps the real command line covered."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN",)}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(PROJECT_ROOT)
    if not interpreter:
        return run_bot(args, full_env, cwd)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_missing_token_without_terminal_is_one_clear_line(tmp_path: Path) -> None:
    result = _run_bot([], {"DATABASE_PATH": str(tmp_path / "db.sqlite3")}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "BotFather" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_invalid_value_exits_2_without_traceback(tmp_path: Path) -> None:
    result = _run_bot(
        ["run"], {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "WEBHOOK_PORT": "abc"}, tmp_path,
        interpreter=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "WEBHOOK_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert GOOD_TOKEN not in result.stderr + result.stdout


@pytest.mark.slow
def test_unreachable_bot_api_is_one_line_exit_1(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _run_bot(
        ["run"],
        {
            "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
            "BOT_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        },
        tmp_path,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot reach the Bot API" in lines[0]
    assert GOOD_TOKEN not in result.stderr


@pytest.mark.slow
def test_token_refused_by_the_api_names_the_variable(tmp_path: Path) -> None:
    server, port = start_server(0)
    try:
        result = _run_bot(
            ["run"],
            {
                "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,  # the sandbox server expects another token
                "BOT_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
                "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
            },
            tmp_path,
        )
    finally:
        stop_server(server)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: TELEGRAM_BOT_TOKEN was refused")


@pytest.mark.slow
def test_malformed_base_url_is_one_line_without_token(tmp_path: Path) -> None:
    result = _run_bot(
        ["run"],
        {
            "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
            "BOT_API_BASE_URL": "http://[::1/bot",
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        },
        tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: BOT_API_BASE_URL")
    assert GOOD_TOKEN not in result.stderr + result.stdout
    assert GOOD_TOKEN.split(":")[1] not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "url", ["http://[::1/bot", "http://host:port/bot", "http:///bot", "https://x.org/bot?a=1"]
)
def test_unparseable_base_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "BOT_API_BASE_URL": url})
    assert info.value.variable == "BOT_API_BASE_URL"


def test_unexpected_error_chain_never_carries_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import bot.__main__ as cli

    def crash(settings: Settings) -> int:
        try:
            raise OSError(f"connect to /bot{quote(GOOD_TOKEN, safe='')}/getMe failed")
        except OSError as inner:
            raise RuntimeError(f"request to https://x.org/bot{GOOD_TOKEN}/getMe") from inner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setattr(cli, "_run", crash)
    monkeypatch.setattr(cli, "setup_logging", lambda settings: None)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "RuntimeError" in err
    assert "OSError" in err
    for form in (GOOD_TOKEN, quote(GOOD_TOKEN, safe=""), GOOD_TOKEN.split(":")[1]):
        assert form not in err


def test_logging_redacts_url_encoded_token() -> None:
    stream = io.StringIO()
    setup_logging(Settings(token=Secret(GOOD_TOKEN), log_level="DEBUG"), stream)
    logging.getLogger("bot.test").warning("GET /bot%s/getMe", quote(GOOD_TOKEN, safe=""))
    logging.getLogger().handlers.clear()
    assert quote(GOOD_TOKEN, safe="") not in stream.getvalue()
    assert "<redacted>" in stream.getvalue()


def test_short_secret_is_never_redacted_piecemeal() -> None:
    """A 1-character WEBHOOK_SECRET (refused in webhook mode, but set while polling) must not
    turn every 'e' in the log into <redacted>, garbling it and showing what the secret is."""
    stream = io.StringIO()
    settings = Settings(token=Secret(GOOD_TOKEN), webhook_secret=Secret("e"), log_level="INFO")
    setup_logging(settings, stream)
    logging.getLogger("bot.test").info("the sweep sent every reminder")
    logging.getLogger().handlers.clear()
    assert "the sweep sent every reminder" in stream.getvalue()
    assert "<redacted>" not in stream.getvalue()


def test_long_webhook_secret_is_redacted_whole() -> None:
    stream = io.StringIO()
    secret = "0123456789abcdef-secret"
    settings = Settings(token=Secret(GOOD_TOKEN), webhook_secret=Secret(secret))
    setup_logging(settings, stream)
    logging.getLogger("bot.test").warning("header was %s", secret)
    logging.getLogger().handlers.clear()
    assert secret not in stream.getvalue()
    assert "header was <redacted>" in stream.getvalue()


@pytest.mark.slow
def test_base_url_without_bot_suffix_names_the_variable(tmp_path: Path) -> None:
    server, port = start_server(0)
    try:
        result = _run_bot(
            ["run"],
            {
                "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
                "BOT_API_BASE_URL": f"http://127.0.0.1:{port}",
                "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
            },
            tmp_path,
        )
    finally:
        stop_server(server)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: BOT_API_BASE_URL")
    assert "/bot" in lines[0]
