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
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
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


@functools.lru_cache(maxsize=4096)
def _keyboard_json(rows: tuple[tuple[Button, ...], ...]) -> str:
    # What PTB would send for `_keyboard(rows)` (it passes a string parameter as it is):
    # serialising the same keyboard again for every request cost ~10% of an update's CPU.
    return json.dumps(_keyboard(rows).to_dict())


def _markup_json(screen: Screen, *, new: bool) -> str | None:
    """The reply_markup parameter of a send (`new`) or an edit of `screen`."""
    if new and screen.reply is not None:
        return json.dumps(_reply_keyboard(screen.reply).to_dict())
    return _keyboard_json(screen.rows) if screen.rows else None


_NO_PREVIEW = json.dumps(LinkPreviewOptions(is_disabled=True).to_dict())


async def _post(bot: ExtBot[None], endpoint: str, data: dict[str, Any]) -> Any:
    """A Bot API call whose answer is read raw. PTB's `send_message` and `edit_message_text`
    build a `Message` from every answer (about a fifth of an update's CPU, bench throughput)
    that nothing here reads; `Bot._post` is the same call without that step: the same
    parameters and defaults, the same errors (PTB is pinned in constraints.txt)."""
    return await bot._post(endpoint, data)


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


async def send(bot: ExtBot[None], chat_id: int, screen: Screen) -> int:
    """Send `screen` as a new message; returns its message id."""
    data = {
        "chat_id": chat_id, "text": screen.text, "parse_mode": ParseMode.HTML,
        "reply_markup": _markup_json(screen, new=True), "link_preview_options": _NO_PREVIEW,
    }  # fmt: skip
    sent = await with_retries(lambda: _post(bot, "sendMessage", data), repeatable=False)
    return int(sent["message_id"])


async def edit(bot: ExtBot[None], chat_id: int, message_id: int, screen: Screen) -> bool:
    """Show `screen` in place of a message; False when it can no longer be edited (or the
    screen brings a reply keyboard, which only a new message can)."""
    if screen.reply is not None:
        return False
    data = {
        "chat_id": chat_id, "message_id": message_id, "text": screen.text,
        "parse_mode": ParseMode.HTML, "reply_markup": _markup_json(screen, new=False),
        "link_preview_options": _NO_PREVIEW,
    }  # fmt: skip
    return await _edited(lambda: _post(bot, "editMessageText", data))


async def _edited(call: Callable[[], Awaitable[object]]) -> bool:
    """Run an edit (retried); "not modified" counts as success, a message too old to edit,
    deleted or not found as failure."""
    try:
        await with_retries(call)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
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
    return await send(bot, chat_id, screen)


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
    return await _edited(
        lambda: bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=_keyboard(rows)
        )
    )
