"""Replies follow the same delivery rule as reminders: a sendMessage that may have reached
Telegram is never repeated; one that surely did not is."""

from __future__ import annotations

import asyncio

from bot.app import BotApp
from sandbox.server import FakeBotApi
from sandbox.user import SimUser

HELP = "/help"


async def handled(app: BotApp, api: FakeBotApi, calls: int) -> None:
    """Wait until the bot made `calls` sendMessage calls and has no update in hand."""
    for _ in range(1500):
        if (
            api.stats.calls["sendMessage"] >= calls
            and not app.update_processor.current_concurrent_updates
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not finish handling the update")


async def test_slow_reply_is_in_doubt_not_sent_twice(
    api: FakeBotApi, running_bot: BotApp, user: SimUser
) -> None:
    # Telegram shows the reply, but its answer comes after the bot's 5 s read timeout.
    api.faults.add("late", method="sendMessage", delay=8.0)
    [reply] = await user.send(HELP, settle=0.0)
    await handled(running_bot, api, calls=1)
    replies = [m for m in user.chat if m.from_bot]
    assert [m.message_id for m in replies] == [reply.message_id]  # once, and no apology
    assert api.stats.calls["sendMessage"] == 1


async def test_reply_refused_before_processing_is_sent_again(
    api: FakeBotApi, running_bot: BotApp, user: SimUser
) -> None:
    api.faults.add("502", method="sendMessage")
    api.faults.add("500", method="sendMessage")
    [reply] = await user.send(HELP)
    assert reply.text
    await handled(running_bot, api, calls=3)
    assert len([m for m in user.chat if m.from_bot]) == 1


async def test_reply_after_429_with_junk_retry_after_is_sent(
    api: FakeBotApi, running_bot: BotApp, user: SimUser
) -> None:
    api.faults.add("429junk", method="sendMessage")
    [reply] = await user.send(HELP, timeout=15)
    assert "Sorry" not in reply.text  # the reply itself, not an apology for a TypeError
    await handled(running_bot, api, calls=2)
    assert len([m for m in user.chat if m.from_bot]) == 1
