"""Stopping the real bot process: SIGTERM is prompt whatever is queued, nothing is lost,
nothing is sent twice, and the record matches what Telegram received."""

from __future__ import annotations

import signal
from pathlib import Path

from bot.sandbox.serve import send_command, server_stats, start_server, stop_server
from tests.processes import (
    REMINDER,
    bot_process,
    delivery_counts,
    prepare_due,
    reap,
    wait_for,
)

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
        # The record is true: every 'sent' arrived, nothing is left mid-send, and what was
        # not on the wire is still queued for the next start.
        assert counts.get("sending", 0) == 0, counts
        assert counts.get("sent", 0) == at_stop["chats_reached"] == at_stop["bot_messages"]
        assert counts.get("failed", 0) == 0, counts  # the local server answers at once
        assert counts.get("pending", 0) == USERS - counts["sent"] > 0, counts

        second = bot_process(port, db, log)
        try:
            wait_for(lambda: delivery_counts(db)[0].get("sent", 0) == USERS, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=10) == 0
        final = server_stats(server, REMINDER)
    finally:
        for process in (first, second):
            if process is not None:
                reap(process)
        stop_server(server)
    assert final["chats_reached"] == USERS
    assert final["duplicates"] == 0
    assert delivery_counts(db)[0] == {"sent": USERS}
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
