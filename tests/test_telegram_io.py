"""The retry rule of bot/handlers/telegram_io.py with the production schedule, its waits
recorded instead of slept (the rest of the suite runs a quick schedule: tests/conftest.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot import views
from bot.handlers import telegram_io
from bot.http import NotSent
from sandbox.server import FakeBotApi


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def failing(errors: list[Exception]) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """A call that raises each of `errors` in turn, then returns "ok"; and its call count."""
    calls = [0]

    async def call() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return "ok"

    return call, calls


@pytest.fixture
def recorded() -> tuple[telegram_io.Backoff, Recorder]:
    recorder = Recorder()
    return dataclasses.replace(telegram_io.Backoff(), sleep=recorder), recorder


def test_the_production_schedule() -> None:
    real = telegram_io.Backoff()
    assert real.delays == (0.5, 1.0, 2.0)
    assert real.attempts == 4
    assert real.max_retry_after == 30.0


async def test_network_errors_back_off_half_a_second_then_doubling(
    recorded: tuple[telegram_io.Backoff, Recorder],
) -> None:
    backoff, recorder = recorded
    call, calls = failing([NetworkError("x"), TimedOut(), NetworkError("y")])
    assert await telegram_io.with_retries(call, backoff=backoff) == "ok"
    assert recorder.waits == [0.5, 1.0, 2.0]
    assert calls == [4]


async def test_a_call_failing_for_good_gives_up_after_four_attempts(
    recorded: tuple[telegram_io.Backoff, Recorder],
) -> None:
    backoff, recorder = recorded
    call, calls = failing([NetworkError(str(n)) for n in range(5)])
    with pytest.raises(NetworkError, match="3"):
        await telegram_io.with_retries(call, backoff=backoff)
    assert calls == [4]
    assert recorder.waits == [0.5, 1.0, 2.0]


async def test_retry_after_is_waited_out_up_to_30_seconds(
    recorded: tuple[telegram_io.Backoff, Recorder],
) -> None:
    backoff, recorder = recorded
    call, _ = failing([RetryAfter(7), RetryAfter(timedelta(seconds=30))])
    assert await telegram_io.with_retries(call, repeatable=False, backoff=backoff) == "ok"
    assert recorder.waits == [7.0, 30.0]
    call, calls = failing([RetryAfter(31)])
    with pytest.raises(RetryAfter):
        await telegram_io.with_retries(call, backoff=backoff)
    assert calls == [1]


async def test_a_send_in_doubt_is_not_repeated_but_one_not_sent_is(
    recorded: tuple[telegram_io.Backoff, Recorder],
) -> None:
    backoff, recorder = recorded
    call, calls = failing([TimedOut()])
    with pytest.raises(TimedOut):
        await telegram_io.with_retries(call, repeatable=False, backoff=backoff)
    assert calls == [1]
    assert recorder.waits == []
    call, calls = failing([NotSent("refused")])
    assert await telegram_io.with_retries(call, repeatable=False, backoff=backoff) == "ok"
    assert recorder.waits == [0.5]


def test_the_suite_runs_a_quick_schedule_with_the_same_attempts() -> None:
    assert telegram_io.BACKOFF.attempts == telegram_io.Backoff().attempts
    assert sum(telegram_io.BACKOFF.delays) < 0.01


async def test_send_and_edit_post_what_ptbs_own_methods_post(api: FakeBotApi) -> None:
    """`send` and `edit` skip PTB's Message building by posting through `Bot._post` (a
    private method): the request must be the one PTB's own methods make, or a PTB upgrade
    could change what reaches Telegram unseen."""
    user = api.user(user_id=4242)
    chat = api.chat_state(user.user_id)
    assert chat is not None
    api.user_message(chat, text="hi")  # the chat exists for the bot once the person writes
    screen = views.Screen(
        "<b>Hi</b> there", ((views.Button("One", "a:1"), views.Button("Two", "a:2")),)
    )
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("One", callback_data="a:1"),
          InlineKeyboardButton("Two", callback_data="a:2")]]
    )  # fmt: skip
    no_preview = LinkPreviewOptions(is_disabled=True)
    async with ExtBot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        ours = await telegram_io.send(bot, user.user_id, screen)
        theirs = await bot.send_message(
            user.user_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=no_preview,
        )  # fmt: skip
        changed = dataclasses.replace(screen, text="<i>Changed</i>")
        assert await telegram_io.edit(bot, user.user_id, ours, changed) is True
        await bot.edit_message_text(
            changed.text, chat_id=user.user_id, message_id=theirs.message_id,
            parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=no_preview,
        )  # fmt: skip
    posted = [(m, p) for m, p, _ in api.calls if m in ("sendMessage", "editMessageText")]
    assert [m for m, _ in posted] == ["sendMessage"] * 2 + ["editMessageText"] * 2
    (_, send_ours), (_, send_theirs), (_, edit_ours), (_, edit_theirs) = posted
    assert send_ours == send_theirs
    edit_theirs = {**edit_theirs, "message_id": edit_ours["message_id"]}
    assert edit_ours == edit_theirs
    assert isinstance(ours, int)
    assert ours != theirs.message_id
