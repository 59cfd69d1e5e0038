"""bench throughput's scripted users against the real bot: each step waits for the whole answer
(the bot's "update handled"), so the session runs without errors; the driver counts the bot's
error screens as errors."""

from __future__ import annotations

import random

from bench.throughput import ECHO_SESSION, FULL_SESSION, Driver
from bot.app import BotApp
from bot.services import Services
from sandbox.server import FakeBotApi


async def test_the_scripted_session_runs_without_errors(
    api: FakeBotApi, running_bot: BotApp
) -> None:
    driver = Driver(api, random.Random(7), api.handled)
    for _ in range(2):
        person = driver.newcomer()
        for kind, payload in FULL_SESSION:
            await driver.act(person, kind, payload)
        last = person.last_bot_message()
        assert last is not None
        assert "Your reminders" in last.text
        assert "22:30" in last.text
    assert driver.error_kinds == {}
    assert driver.errors == 0
    assert driver.updates == len(driver.latencies) == 2 * len(FULL_SESSION)


async def test_errors_are_counted_by_kind(api: FakeBotApi, running_bot: BotApp) -> None:
    driver = Driver(api, random.Random(7), api.handled)
    person = driver.newcomer()
    await driver.act(person, "text", "/start")
    # The echo bot's button is not on the full bot's screens.
    await driver.act(person, *ECHO_SESSION[3])
    assert driver.error_kinds == {"button missing": 1}
    # A button from a screen the bot no longer knows: its stale-button screen.
    chat = api.chat_state(person.user_id)
    assert chat is not None
    [menu] = [m for m in chat.messages.values() if m.from_bot]
    await driver._exchange(
        chat, lambda: api.user_callback(chat, menu, "zz:nothing"), menu.message_id
    )
    assert driver.error_kinds == {"button missing": 1, "error screen": 1}
    assert driver.updates == 2


async def test_the_scripted_session_costs_few_database_round_trips(
    api: FakeBotApi, running_bot: BotApp, services: Services
) -> None:
    """Each statement is a hop to aiosqlite's thread. What the bot reads it keeps (the user
    row, the state, the methods that helped, the diary choice), a touch brings them back with
    its write, and a reminder list deletes only when it has something to delete: a newcomer's
    13 steps cost 19 statements (30 before this round; each reminder list is still read)."""
    driver = Driver(api, random.Random(7), api.handled)
    person = driver.newcomer()
    statements: list[str] = []
    await services.storage._db.set_trace_callback(statements.append)
    for kind, payload in FULL_SESSION:
        await driver.act(person, kind, payload)
    assert driver.errors == 0
    theirs = [s for s in statements if str(person.user_id) in s]
    assert len(theirs) <= 19, "\n".join(s[:90] for s in theirs)
    reads = [s for s in theirs if s.startswith("SELECT")]
    assert all(" FROM reminders " in s for s in reads), reads
