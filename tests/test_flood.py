"""One person flooding the bot cannot slow everyone else down, and is told politely."""

from __future__ import annotations

from bot.app import BotApp
from bot.concurrency import BACKLOG
from sandbox.server import FakeBotApi

FLOOD = 400


async def test_flooding_chat_does_not_stall_others(api: FakeBotApi, running_bot: BotApp) -> None:
    flooder = api.user(user_id=6001, first_name="Flo")
    other = api.user(user_id=6002, first_name="Otto")
    for n in range(FLOOD):
        flooder.enqueue(f"why do my feet cramp {n}")
    # Once the bot has fetched the flood, the other person writes.
    last = flooder.enqueue("why do my feet cramp, last one")
    while api.delivered_upto < last:
        assert await api.delivered_signal.wait(30)
    [reply] = await other.send("/help", settle=0.0, timeout=30)
    assert reply.text
    answered = sum(1 for m in flooder.chat if m.from_bot)
    # Before: every worker was taken by the flood; /help waited behind ~150 of its replies.
    assert answered < 50, answered


async def test_flooding_chat_is_rate_limited_politely(api: FakeBotApi, running_bot: BotApp) -> None:
    flooder = api.user(user_id=6003, first_name="Flo")
    for n in range(FLOOD):
        flooder.enqueue(f"why do my feet cramp {n}")
    # Once it has caught up, the chat is served normally again.
    replies = await flooder.send("/help", timeout=60)
    assert replies
    texts = [m.text for m in flooder.chat if m.from_bot]
    assert sum("faster than I can answer" in t for t in texts) == 1  # told once
    assert len(texts) < 2 * BACKLOG + 2  # the rest of the 400 were dropped
    assert flooder.failures == []
