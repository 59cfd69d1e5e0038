"""The fake server's state: chats, their messages, callback queries, and wake-up signals."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Button",
    "CallbackAnswer",
    "ChatMessage",
    "ChatState",
    "HandledUpdates",
    "PendingQuery",
    "Signal",
    "StoredMessage",
    "UserInfo",
]


class Signal:
    """Wakes every waiter on ``fire()``; waiters re-check their own condition.

    A fresh Event per generation means a waiter that grabbed ``current`` before
    checking its condition can never miss a fire that happens after the check.
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    @property
    def current(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, within: float) -> bool:
        """Wait for the next fire; False if ``within`` seconds passed first."""
        if within <= 0:
            return False
        try:
            async with asyncio.timeout(within):
                await self.current.wait()
        except TimeoutError:
            return False
        return True


class HandledUpdates:
    """The update ids a followed bot has handled, with one future per awaited id: a crowd of
    waiting users costs nothing while other people's updates are handled."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._waiters: dict[int, asyncio.Future[None]] = {}

    def mark(self, update_id: int) -> None:
        self._done.add(update_id)
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def has(self, update_id: int) -> bool:
        return update_id in self._done

    async def wait(self, update_ids: Iterable[int], within: float) -> bool:
        """True once every one of ``update_ids`` is handled; False after ``within`` seconds."""
        loop = asyncio.get_running_loop()
        waiting = []
        for update_id in update_ids:
            if update_id not in self._done:
                waiter = self._waiters.get(update_id)
                if waiter is None:
                    waiter = self._waiters[update_id] = loop.create_future()
                waiting.append(waiter)
        if not waiting:
            return True
        if within <= 0:
            return False
        try:
            async with asyncio.timeout(within):
                await asyncio.gather(*(asyncio.shield(w) for w in waiting))
        except TimeoutError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ChatMessage:
    """One message as the user sees it right now."""

    message_id: int
    from_bot: bool
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edited: bool = False
    kind: str = "text"
    # A reply keyboard sent with the message (under the text field): its labels, a
    # location-sharing button marked with a trailing " (location)".
    keyboard: list[str] = field(default_factory=list)
    # A photo's or document's bytes and file name, as the bot uploaded them.
    file: bytes | None = None
    file_name: str | None = None

    @property
    def labels(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class UserInfo:
    user_id: int
    first_name: str
    language_code: str | None
    username: str | None

    def user_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.username:
            data["username"] = self.username
        return data


@dataclass(slots=True)
class StoredMessage:
    message_id: int
    from_bot: bool
    date: int
    text: str = ""
    entities: list[dict[str, Any]] | None = None
    # The reply_markup exactly as the bot sent it, echoed back in Message JSON.
    reply_markup: dict[str, Any] | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    edit_date: int | None = None
    kind: str = "text"
    # Non-text payload (sticker, photo, ...) merged into the Message JSON as is.
    extra: dict[str, Any] = field(default_factory=dict)
    file: bytes | None = None  # what the bot uploaded (sendPhoto, sendDocument)
    file_name: str | None = None

    def view(self) -> ChatMessage:
        return ChatMessage(
            message_id=self.message_id,
            from_bot=self.from_bot,
            text=self.text,
            buttons=[list(row) for row in self.buttons],
            edited=self.edit_date is not None,
            kind=self.kind,
            keyboard=_keyboard_labels(self.reply_markup),
            file=self.file,
            file_name=self.file_name,
        )


def _keyboard_labels(markup: dict[str, Any] | None) -> list[str]:
    rows = markup.get("keyboard") if markup else None
    if not isinstance(rows, list):
        return []
    return [
        str(b.get("text", "")) + (" (location)" if b.get("request_location") else "")
        for row in rows
        if isinstance(row, list)
        for b in row
        if isinstance(b, dict)
    ]


@dataclass(slots=True)
class PendingQuery:
    query_id: str
    chat_id: int
    created_at: float
    answered: bool = False


@dataclass(slots=True)
class ChatState:
    user: UserInfo
    max_messages: int
    # message_id -> message; ids only grow, so dict order is chat order and the
    # oldest entry is evicted first.
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    started: bool = False
    blocked: bool = False
    # Successful visible bot actions: a counter plus (seq, message_id) for recent ones.
    action_seq: int = 0
    actions: deque[tuple[int, int | None]] = field(default_factory=lambda: deque(maxlen=1000))
    action_signal: Signal = field(default_factory=Signal)
    failures: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    failure_total: int = 0
    callback_answers: list[CallbackAnswer] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return self.user.user_id

    def add(self, message: StoredMessage) -> None:
        self.messages[message.message_id] = message
        if len(self.messages) > self.max_messages:
            del self.messages[next(iter(self.messages))]

    def new_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def record_action(self, message_id: int | None) -> None:
        self.action_seq += 1
        self.actions.append((self.action_seq, message_id))
        self.action_signal.fire()

    def touched_since(self, seq: int) -> list[int]:
        seen: dict[int, None] = {}
        for action_seq, message_id in self.actions:
            if action_seq > seq and message_id is not None:
                seen[message_id] = None
        return sorted(seen)
