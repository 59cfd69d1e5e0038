"""Sending and editing with the retries a real chat needs. The one place that turns a Screen
into Telegram objects.

Delivery rule: at most once. A request that may have reached Telegram is never repeated when
repeating it could show something twice: a new message is sent again only after a 429 (after
`retry_after`) or an error that proves it did not arrive (`NotSent`: no connection, 500, 502,
503). A timeout or a connection lost after sending is "in doubt" and not retried. Edits and
callback answers are safe to repeat ("message is not modified" counts as success), so they are
retried on any network error, with backoff (`Backoff`), a few times. A message that can no longer be
edited is sent anew. A 403 (the user blocked the bot) is not retried.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.http import NotSent
from bot.views import Button, ReplyKeyboard, Screen

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """How a failed call is retried: `delays` are the waits between attempts (one attempt
    more than waits), a `retry_after` above `max_retry_after` is not waited out, and `sleep`
    waits. The test suite uses a quick one (tests/conftest.py)."""

    delays: tuple[float, ...] = (0.5, 1.0, 2.0)
    max_retry_after: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1


BACKOFF = Backoff()


def markup(screen: Screen) -> InlineKeyboardMarkup | None:
    """The screen's inline buttons (what an edit can carry)."""
    return _keyboard(screen.rows) if screen.rows else None


def send_markup(
    screen: Screen,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """What a new message carries: a reply keyboard when the screen has one, else its
    inline buttons."""
    if screen.reply is not None:
        return _reply_keyboard(screen.reply)
    return markup(screen)


def _reply_keyboard(reply: ReplyKeyboard) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    if reply.remove:
        return ReplyKeyboardRemove()
    buttons = [KeyboardButton(reply.location, request_location=True)] if reply.location else []
    buttons += [KeyboardButton(label) for label in reply.labels]
    return ReplyKeyboardMarkup([buttons], resize_keyboard=True, one_time_keyboard=True)


@functools.lru_cache(maxsize=4096)
def _keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    # Building PTB objects costs ~0.1 ms a keyboard (bench throughput), and the same screens
    # come back again and again; PTB objects are immutable, so one can be shared.
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


async def with_retries(
    call: Callable[[], Awaitable[T]], *, repeatable: bool = True, backoff: Backoff | None = None
) -> T:
    """Call, retrying what is safe to retry; `repeatable=False` for calls that must not run
    twice (sendMessage), which are retried only when they surely did not arrive. `backoff`:
    the module's `BACKOFF` unless given."""
    backoff = backoff or BACKOFF
    last = backoff.attempts
    for attempt in range(1, last + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = float(
                exc.retry_after
                if isinstance(exc.retry_after, int | float)
                else exc.retry_after.total_seconds()
            )
            if attempt == last or wait > backoff.max_retry_after:
                raise
            log.warning("Telegram asked to slow down; retrying in %.1f s", wait)
            await backoff.sleep(wait)
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest) or attempt == last:
                raise
            if not repeatable and not isinstance(exc, NotSent):
                log.warning(
                    "Telegram request in doubt (%s): it may have arrived; not repeated",
                    type(exc).__name__,
                )
                raise
            log.warning("Telegram request failed (%s); retry %d", type(exc).__name__, attempt)
            await backoff.sleep(backoff.delays[attempt - 1])
    raise AssertionError("unreachable")


async def send(bot: ExtBot[None], chat_id: int, screen: Screen) -> Message:
    return await with_retries(
        lambda: bot.send_message(
            chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=send_markup(screen),
            disable_web_page_preview=True,
        ),
        repeatable=False,
    )  # fmt: skip


async def edit(bot: ExtBot[None], chat_id: int, message_id: int, screen: Screen) -> bool:
    """Show `screen` in place of a message; False when it can no longer be edited (or the
    screen brings a reply keyboard, which only a new message can)."""
    if screen.reply is not None:
        return False
    inline = markup(screen)
    try:
        await with_retries(
            lambda: bot.edit_message_text(
                screen.text, chat_id=chat_id, message_id=message_id,
                parse_mode=ParseMode.HTML, reply_markup=inline,
                disable_web_page_preview=True,
            )
        )  # fmt: skip
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        # Too old to edit, deleted, or not found.
        log.info("edit failed (%s)", exc.message)
        return False
    return True


async def edit_or_send(
    bot: ExtBot[None], chat_id: int, message_id: int | None, screen: Screen
) -> int:
    """Show `screen` in place of message `message_id` (or anew when that fails); returns the id
    of the message shown."""
    if message_id is not None and await edit(bot, chat_id, message_id, screen):
        return message_id
    message = await send(bot, chat_id, screen)
    return message.message_id


async def answer_callback(
    bot: ExtBot[None], query_id: str, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a button press at once; a query that is too old is not worth an error."""
    try:
        await bot.answer_callback_query(query_id, text=text, show_alert=alert)
    except BadRequest as exc:
        log.info("callback answer refused: %s", exc.message)
    except (TimedOut, NetworkError) as exc:
        log.info("callback answer failed: %s", type(exc).__name__)


async def send_photo(bot: ExtBot[None], chat_id: int, png: bytes, caption: str) -> Message:
    """A picture from memory, with an HTML caption; at most once, like `send`."""
    return await with_retries(
        lambda: bot.send_photo(
            chat_id, InputFile(png, filename="chart.png"), caption=caption,
            parse_mode=ParseMode.HTML,
        ),
        repeatable=False,
    )  # fmt: skip


async def send_document(
    bot: ExtBot[None], chat_id: int, data: bytes, filename: str, caption: str
) -> Message:
    """A file from memory, with an HTML caption; at most once, like `send`."""
    return await with_retries(
        lambda: bot.send_document(
            chat_id, InputFile(data, filename=filename), caption=caption,
            parse_mode=ParseMode.HTML,
        ),
        repeatable=False,
    )  # fmt: skip


async def edit_markup(
    bot: ExtBot[None], chat_id: int, message_id: int, rows: tuple[tuple[Button, ...], ...]
) -> bool:
    """Change only a message's buttons; "not modified" counts as success."""
    try:
        await with_retries(
            lambda: bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=_keyboard(rows)
            )
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("edit failed (%s)", exc.message)
        return False
    return True
