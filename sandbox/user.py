"""A simulated Telegram user talking to the bot through the fake Bot API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.telegram_html import render_html_as_text, utf16_len

from .store import Button, CallbackAnswer, ChatMessage, ChatState, StoredMessage

if TYPE_CHECKING:
    from .server import FakeBotApi

__all__ = [
    "Button",
    "ButtonNotFoundError",
    "CallbackAnswer",
    "ChatMessage",
    "SimUser",
    "render_html_as_text",
]

# How long a simulated user waits for the bot's "update handled" signal before it fails: only
# a hang reaches it, so it is generous (a loaded machine can take seconds for one update).
DEFAULT_TIMEOUT = 20.0
DEFAULT_SETTLE = 0.15
# After a press is answered, how long to wait for the message edit that usually follows.
ANSWER_GRACE = 1.0

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)")


class ButtonNotFoundError(LookupError):
    """The user looked for a button that is not on screen."""


def command_entities(text: str) -> list[dict[str, Any]] | None:
    """The bot_command entity Telegram attaches to a text starting with a command."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


class SimUser:
    """One person in a private chat with the bot (chat id == user id).

    Every input method delivers an update, then waits up to ``timeout`` seconds for the bot
    to have handled it: the signal the bot's update processor gives for that update (when the
    server follows the bot, ``FakeBotApi.follow``). It returns the bot messages sent or
    edited meanwhile, as they look now; with ``expect_reply`` it fails if there are none.

    Only when the bot runs elsewhere (no signal) does it wait for the first visible bot
    action, then until ``settle`` seconds pass without another one.
    """

    def __init__(self, api: FakeBotApi, chat: ChatState) -> None:
        self._api = api
        self._chat = chat

    def __repr__(self) -> str:
        return f"SimUser({self.user_id}, {self.first_name!r})"

    @property
    def api(self) -> FakeBotApi:
        return self._api

    @property
    def user_id(self) -> int:
        return self._chat.user.user_id

    @property
    def first_name(self) -> str:
        return self._chat.user.first_name

    @property
    def blocked(self) -> bool:
        return self._chat.blocked

    # -- input ----------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        return await self._post_message(
            repr(text), expect_reply, timeout, settle, text=text, entities=command_entities(text)
        )

    def enqueue(self, text: str) -> int:
        """Queue a text message without waiting for anything (load tests, raw
        getUpdates checks); returns its update_id."""
        if self._chat.blocked:
            raise RuntimeError(f"{self.first_name} has blocked the bot; call unblock() first")
        entities = command_entities(text)
        return self._api.user_message(self._chat, text=text, entities=entities)[1]

    async def command(
        self,
        command: str,
        *args: str,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        if not command.startswith("/"):
            command = "/" + command
        text = " ".join((command, *args))
        return await self.send(text, expect_reply=expect_reply, timeout=timeout, settle=settle)

    async def send_sticker(
        self,
        emoji: str = "👍",
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        file_id, unique_id = self._api.new_file_ids()
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "SandboxStickers",
            "file_size": 23_456,
        }
        return await self._post_message(
            "a sticker", expect_reply, timeout, settle, kind="sticker", extra={"sticker": sticker}
        )

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        sizes = []
        for width, height, size in ((90, 67, 1_371), (320, 240, 17_223), (1280, 960, 120_456)):
            file_id, unique_id = self._api.new_file_ids()
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": size,
                }
            )
        extra: dict[str, Any] = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        return await self._post_message(
            "a photo", expect_reply, timeout, settle, text=caption or "", kind="photo", extra=extra
        )

    async def send_voice(
        self,
        duration: int = 3,
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        file_id, unique_id = self._api.new_file_ids()
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * max(duration, 1),
        }
        return await self._post_message(
            "a voice", expect_reply, timeout, settle, kind="voice", extra={"voice": voice}
        )

    async def send_location(
        self,
        latitude: float = 52.520008,
        longitude: float = 13.404954,
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._post_message(
            "a location", expect_reply, timeout, settle, kind="location",
            extra={"location": location},
        )  # fmt: skip

    async def edit_message(
        self,
        message_id: int,
        new_text: str,
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        def push() -> int:
            entities = command_entities(new_text)
            return self._api.user_edit(self._chat, message_id, new_text, entities)

        description = f"an edit of message {message_id} to {new_text!r}"
        return await self._exchange(description, push, expect_reply, timeout, settle)

    async def press(
        self,
        label: str,
        *,
        message_id: int | None = None,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        """Press the button labelled exactly ``label`` on the newest bot message showing one
        (or on ``message_id``)."""
        message, button = self._find_button(label, message_id)
        if button.callback_data is None:
            raise ButtonNotFoundError(
                f"{self.first_name}: button {label!r} on message {message.message_id} "
                "opens a link or an app; pressing it sends nothing to the bot"
            )
        description = f"a press on [{label}] (message {message.message_id})"
        return await self._post_callback(
            description, message, button.callback_data, expect_reply, timeout, settle
        )

    async def press_data(
        self,
        data: str,
        message_id: int,
        *,
        expect_reply: bool = True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a reply deadline, not I/O
        settle: float = DEFAULT_SETTLE,
    ) -> list[ChatMessage]:
        """Send arbitrary (e.g. forged or stale) callback data as if from ``message_id``."""
        message = self._chat.messages.get(message_id)
        if message is None or not message.from_bot:
            raise ValueError(f"{self.first_name} sees no bot message {message_id}")
        description = f"callback data {data!r} on message {message_id}"
        return await self._post_callback(description, message, data, expect_reply, timeout, settle)

    def block(self) -> None:
        """Block the bot: its sends and edits to this chat now fail with 403."""
        if not self._chat.blocked:
            self._api.user_block(self._chat, True)

    def unblock(self) -> None:
        if self._chat.blocked:
            self._api.user_block(self._chat, False)

    # -- reading --------------------------------------------------------------------

    @property
    def chat(self) -> list[ChatMessage]:
        """The chat as the user sees it now: both sides, edits applied, deletions gone."""
        return [m.view() for m in self._chat.messages.values()]

    def last_bot_message(self) -> ChatMessage | None:
        for message in reversed(self._chat.messages.values()):
            if message.from_bot:
                return message.view()
        return None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._chat.callback_answers)

    @property
    def failures(self) -> list[str]:
        """Recent bot API calls on this chat that Telegram would have rejected."""
        return list(self._chat.failures)

    async def wait_for(
        self,
        condition: Callable[[list[ChatMessage]], bool],
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a deadline, not I/O
    ) -> list[ChatMessage]:
        """Wait until `condition(chat)` holds (something slow to make, like a file, has
        arrived) and return the chat; waits on the chat's signal, never a sleep."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition(self.chat):
            if not await self._chat.action_signal.wait(deadline - loop.time()):
                raise TimeoutError(f"{self.first_name} waited {timeout:g}s in vain")
        return self.chat

    def transcript(self) -> str:
        lines: list[str] = []
        for message in self.chat:
            lines.extend(_render(message))
        return "\n".join(lines)

    # -- internals ------------------------------------------------------------------

    async def _post_message(
        self,
        description: str,
        expect_reply: bool,
        timeout: float,  # noqa: ASYNC109
        settle: float,
        *,
        text: str = "",
        entities: list[dict[str, Any]] | None = None,
        kind: str = "text",
        extra: dict[str, Any] | None = None,
    ) -> list[ChatMessage]:
        """Post one message from the user (text, sticker, photo...) and wait for the bot."""

        def push() -> int:
            return self._api.user_message(
                self._chat, text=text, entities=entities, kind=kind, extra=extra
            )[1]

        return await self._exchange(description, push, expect_reply, timeout, settle)

    async def _post_callback(
        self,
        description: str,
        message: StoredMessage,
        data: str,
        expect_reply: bool,
        timeout: float,  # noqa: ASYNC109
        settle: float,
    ) -> list[ChatMessage]:
        """Press a button (send callback `data` from `message`) and wait for the bot."""

        def push() -> int:
            return self._api.user_callback(self._chat, message, data)

        return await self._exchange(description, push, expect_reply, timeout, settle)

    def _find_button(self, label: str, message_id: int | None) -> tuple[StoredMessage, Button]:
        shown = [m for m in reversed(self._chat.messages.values()) if m.from_bot and m.buttons]
        if message_id is not None:
            shown = [m for m in shown if m.message_id == message_id]
        for message in shown:
            for row in message.buttons:
                for button in row:
                    if button.text == label:
                        return message, button
        if not shown:
            where = f"message {message_id}" if message_id is not None else "any bot message"
            raise ButtonNotFoundError(
                f"{self.first_name} wanted to press {label!r}, but {where} has no buttons"
            )
        visible = "; ".join(
            f"message {m.message_id}: " + ", ".join(repr(b.text) for row in m.buttons for b in row)
            for m in shown[:3]
        )
        raise ButtonNotFoundError(
            f"{self.first_name} sees no button {label!r}. Visible buttons: {visible}"
        )

    async def _exchange(
        self,
        description: str,
        push: Callable[[], int],
        expect_reply: bool,
        timeout: float,  # noqa: ASYNC109
        settle: float,
    ) -> list[ChatMessage]:
        chat = self._chat
        if chat.blocked:
            raise RuntimeError(f"{self.first_name} has blocked the bot; call unblock() first")
        api = self._api
        start_seq = chat.action_seq
        start_failures = chat.failure_total
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        update_id = push()
        who = f"{self.first_name} (user {self.user_id})"

        if api.following:
            await self._handled(update_id, deadline, f"{who} sent {description}", timeout)
            if expect_reply and chat.action_seq == start_seq:
                raise TimeoutError(
                    f"{who} sent {description}; the bot handled it but did nothing visible"
                    + _failure_note(chat.failure_total - start_failures, chat.failures)
                )
        else:
            while api.delivered_upto < update_id:
                if not await api.delivered_signal.wait(deadline - loop.time()):
                    raise TimeoutError(self._not_fetched(f"{who} sent {description}", timeout))
            await self._quiet(description, start_seq, start_failures, expect_reply, deadline)
            await self._settle(timeout, settle)
        result: list[ChatMessage] = []
        for message_id in chat.touched_since(start_seq):
            message = chat.messages.get(message_id)
            if message is not None and message.from_bot:
                result.append(message.view())
        return result

    async def _handled(
        self,
        update_id: int,
        deadline: float,
        what: str,
        timeout: float,  # noqa: ASYNC109
    ) -> None:
        """Wait for the bot's "update handled" signal (a bot followed by the server)."""
        within = deadline - asyncio.get_running_loop().time()
        if not await self._api.wait_handled((update_id,), within):
            if self._api.delivered_upto < update_id:
                raise TimeoutError(self._not_fetched(what, timeout))
            chat = self._chat
            raise TimeoutError(
                f"{what}; the bot fetched it but did not finish handling it within "
                f"{timeout:g}s" + _failure_note(chat.failure_total, chat.failures)
            )

    def _not_fetched(self, what: str, timeout: float) -> str:
        return (
            f"{what}, but the bot did not fetch the update within {timeout:g}s. "
            "Is the Application polling this FakeBotApi?"
        )

    async def _quiet(
        self,
        description: str,
        start_seq: int,
        start_failures: int,
        expect_reply: bool,
        deadline: float,
    ) -> None:
        """Without a handled signal (a bot in another process): wait for a first action."""
        if not expect_reply:
            return
        chat = self._chat
        loop = asyncio.get_running_loop()
        while chat.action_seq == start_seq:
            if not await chat.action_signal.wait(deadline - loop.time()):
                raise TimeoutError(
                    f"{self.first_name} (user {self.user_id}) sent {description}; the bot "
                    "fetched it but did nothing visible in time"
                    + _failure_note(chat.failure_total - start_failures, chat.failures)
                )
        # A button's answer (a toast) usually comes before the edit it leads to: give the
        # edit a moment, so a slow machine does not make the reply look empty.
        answer_grace = loop.time() + min(ANSWER_GRACE, max(0.0, deadline - loop.time()))
        while not chat.touched_since(start_seq) and loop.time() < answer_grace:
            await chat.action_signal.wait(answer_grace - loop.time())

    async def _settle(self, timeout: float, settle: float) -> None:  # noqa: ASYNC109
        """...then until ``settle`` seconds pass without another (capped at ``timeout``)."""
        chat = self._chat
        loop = asyncio.get_running_loop()
        settle_deadline = loop.time() + timeout
        while loop.time() < settle_deadline and await chat.action_signal.wait(
            min(settle, settle_deadline - loop.time())
        ):
            pass


def _failure_note(count: int, failures: Any) -> str:
    if count <= 0:
        return "."
    recent = list(failures)[-min(count, 5) :]
    return ". Meanwhile its API calls failed: " + " | ".join(recent)


def _render(message: ChatMessage) -> list[str]:
    if message.kind == "text":
        body = message.text
    else:
        body = f"[{message.kind}]" + (f" {message.text}" if message.text else "")
    if message.edited:
        body += " (edited)"
    prefix = "> " if not message.from_bot else ""
    indent = " " * len(prefix)
    text_lines = body.split("\n")
    lines = [prefix + text_lines[0]] + [indent + line for line in text_lines[1:]]
    number = 1
    for row in message.buttons:
        cells = []
        for button in row:
            suffix = f" ({button.url})" if button.url else ""
            cells.append(f"[{number}] {button.text}{suffix}")
            number += 1
        lines.append(indent + "  ".join(cells))
    return lines
