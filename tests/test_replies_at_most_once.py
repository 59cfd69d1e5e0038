"""Replies follow the same delivery rule as reminders: a sendMessage that may have reached
Telegram is never repeated; one that surely did not is."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator

import pytest

import bot.app
from bot.http import AiohttpRequest
from bot.runner import polling
from sandbox.server import FakeBotApi
from sandbox.user import SimUser
from tests.conftest import AppFactory

HELP = "/help"
# The bot's read timeout in these tests: a "late" answer comes after it.
READ_TIMEOUT = 0.3


@pytest.fixture
async def impatient_user(
    monkeypatch: pytest.MonkeyPatch, api: FakeBotApi, make_app: AppFactory
) -> AsyncIterator[SimUser]:
    """The real bot, with a short read timeout on its Bot API calls (5 s in production)."""
    monkeypatch.setattr(
        bot.app, "AiohttpRequest", functools.partial(AiohttpRequest, read_timeout=READ_TIMEOUT)
    )
    async with polling(make_app()):
        yield api.user(user_id=1001, first_name="Alex")


async def test_slow_reply_is_in_doubt_not_sent_twice(
    api: FakeBotApi, impatient_user: SimUser
) -> None:
    # Telegram shows the reply, but its answer comes after the bot's read timeout.
    api.faults.add("late", method="sendMessage", delay=READ_TIMEOUT * 4)
    # Returns once the bot has handled the update: every retry it would make is made.
    [reply] = await impatient_user.send(HELP)
    replies = [m for m in impatient_user.chat if m.from_bot]
    assert [m.message_id for m in replies] == [reply.message_id]  # once, and no apology
    assert api.stats.calls["sendMessage"] == 1


async def test_reply_refused_before_processing_is_sent_again(
    api: FakeBotApi, user: SimUser
) -> None:
    api.faults.add("502", method="sendMessage")
    api.faults.add("500", method="sendMessage")
    [reply] = await user.send(HELP)
    assert reply.text
    assert api.stats.calls["sendMessage"] == 3
    assert len([m for m in user.chat if m.from_bot]) == 1


async def test_reply_after_429_with_junk_retry_after_is_sent(
    api: FakeBotApi, user: SimUser
) -> None:
    api.faults.add("429junk", method="sendMessage")
    [reply] = await user.send(HELP, timeout=15)
    assert "Sorry" not in reply.text  # the reply itself, not an apology for a TypeError
    assert api.stats.calls["sendMessage"] == 2
    assert len([m for m in user.chat if m.from_bot]) == 1
