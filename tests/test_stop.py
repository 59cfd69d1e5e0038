"""Stopping the real bot process: SIGTERM is prompt whatever is queued, nothing is lost,
nothing is sent twice, and the record matches what Telegram received."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from sandbox.serve import send_command, server_stats
from tests.processes import (
    REMINDER,
    bot_process,
    delivery_counts,
    prepare_due,
    reap,
    start_server,
    stop_server,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

USERS = 600
SLOW_RATE = 20  # reminders per second: the fan-out would take 30 s


def test_sigterm_during_fanout_exits_promptly(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    prepare_due(db, USERS)
    server, port = start_server(USERS)
    first = second = None
    try:
        first = bot_process(port, db, log, rate=SLOW_RATE)
        wait_for(lambda: server_stats(server, REMINDER)["bot_messages"] >= 40, timeout=60)
        first.send_signal(signal.SIGTERM)
        # `docker stop` waits 10 s before SIGKILL; the old code needed ~28 s here.
        assert first.wait(timeout=10) == 0
        at_stop = server_stats(server, REMINDER)
        counts, integrity = delivery_counts(db)
        assert integrity == "ok"
        # The record is true: every 'sent' arrived, nothing is left mid-send, what was not
        # on the wire is still queued for the next start, and a send cut off by the stop
        # (none, unless the machine is very slow: the local server answers at once) is in
        # doubt.
        sent, in_doubt = counts.get("sent", 0), counts.get("failed", 0)
        assert counts.get("sending", 0) == 0, counts
        assert at_stop["duplicates"] == 0
        assert sent <= at_stop["chats_reached"] <= sent + in_doubt
        assert in_doubt <= 4 * 16, counts  # at most the sends on the wire
        assert counts.get("pending", 0) == USERS - sent - in_doubt > 0, counts

        second = bot_process(port, db, log)
        try:
            wait_for(lambda: delivery_counts(db)[0].get("sent", 0) == USERS - in_doubt, 60)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=10) == 0
        final = server_stats(server, REMINDER)
    finally:
        for process in (first, second):
            if process is not None:
                reap(process)
        stop_server(server)
    assert final["duplicates"] == 0
    assert USERS - in_doubt <= final["chats_reached"] <= USERS
    after, _ = delivery_counts(db)
    assert after.get("sent", 0) == USERS - in_doubt
    assert after.get("failed", 0) == in_doubt
    assert set(after) <= {"sent", "failed"}, after
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-2000:]


def test_revoked_token_while_running_exits_non_zero(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    server, port = start_server(1)
    bot = bot_process(port, db, log)
    try:
        send_command(server, "say 1 /start")
        wait_for(lambda: server_stats(server)["bot_messages"] >= 1, timeout=60)  # it polls
        send_command(server, "revoke")
        # One line in the log and a non-zero exit, so a supervisor restarts it or alerts;
        # the old bot stayed up answering nobody (and then ignored SIGTERM).
        assert bot.wait(timeout=30) == 1
    finally:
        reap(bot)
        stop_server(server)
    lines = log.read_text(errors="replace").strip().splitlines()
    assert len(lines) == 1, lines
    assert "refused TELEGRAM_BOT_TOKEN" in lines[0]
    assert "123456789:" not in lines[0]
    _, integrity = delivery_counts(db)  # storage was closed: the file opens and is intact
    assert integrity == "ok"


# --- start-up against a Bot API that misbehaves ------------------------------------------


def _start_against(tmp_path: Path, faults: list[str], base_path: str = "/bot") -> tuple[int, str]:
    """Start the bot with `faults` queued on the server; returns (exit code, log) once it
    exits, or after it answered a /start (then stopped with SIGTERM)."""
    db = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    server, port = start_server(1)
    for fault in faults:
        send_command(server, f"fault {fault}")
    bot = bot_process(port, db, log, BOT_API_BASE_URL=f"http://127.0.0.1:{port}{base_path}")
    try:
        send_command(server, "say 1 /start")
        wait_for(lambda: bot.poll() is not None or server_stats(server)["bot_messages"] >= 1, 60)
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
        code = bot.wait(timeout=30)
    finally:
        reap(bot)
        stop_server(server)
    return code, log.read_text(errors="replace")


def test_rate_limited_get_me_at_startup_waits_then_starts(tmp_path: Path) -> None:
    code, log = _start_against(tmp_path, ["429 getMe 2 1"])
    assert code == 0, log  # it started, answered /start, and stopped cleanly
    assert "Traceback" not in log
    assert "asked to wait 1 s" in log


def test_html_answer_to_get_me_is_one_line(tmp_path: Path) -> None:
    code, log = _start_against(tmp_path, ["html200 getMe 10"])
    assert code == 1
    lines = log.strip().splitlines()
    assert len(lines) == 1, log
    assert lines[0].startswith("cannot start: the Bot API at 127.0.0.1")
    assert "not Telegram's" in lines[0]


def test_bad_json_answer_to_get_me_is_one_line(tmp_path: Path) -> None:
    code, log = _start_against(tmp_path, ["badjson getMe 10"])
    assert code == 1
    lines = log.strip().splitlines()
    assert len(lines) == 1, log
    assert "not Telegram's" in lines[0]


def test_base_url_that_is_not_a_bot_endpoint_names_the_variable(tmp_path: Path) -> None:
    # /api/bot ends like a Bot API URL, but the server answers 404 there.
    code, log = _start_against(tmp_path, [], base_path="/api/bot")
    assert code == 2
    lines = log.strip().splitlines()
    assert len(lines) == 1, log
    assert lines[0].startswith("configuration error: BOT_API_BASE_URL")
    assert "TELEGRAM_BOT_TOKEN" not in lines[0]


def test_database_deleted_while_running_stops_the_bot(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    log = tmp_path / "bot.log"
    server, port = start_server(1)
    bot = bot_process(port, db, log)
    try:
        send_command(server, "say 1 /start")
        wait_for(lambda: server_stats(server)["bot_messages"] >= 1, timeout=60)
        for path in tmp_path.glob("bot.sqlite3*"):
            path.unlink()
        # Before: it went on writing to the deleted file, and lost it all at the restart.
        assert bot.wait(timeout=30) == 1
    finally:
        reap(bot)
        stop_server(server)
    lines = log.read_text(errors="replace").strip().splitlines()
    assert len(lines) == 1, lines
    assert "was deleted or replaced" in lines[0]
