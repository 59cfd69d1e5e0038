"""Updates from different people are handled at the same time; one person's, in order.

PTB handles updates one after another by default, so one slow database write holds up every
other chat. Its `concurrent_updates` runs them in parallel, but then one person's double tap
could be handled twice at once. This processor runs updates concurrently across chats and
strictly in order within a chat.

Fairness: PTB takes one of its slots for an update before handing it over, so a chat sending
hundreds of messages would fill every slot with updates waiting for that chat's turn, and
everyone else would wait behind them. Here PTB's bound is set out of the way; an update first
waits for its chat's turn (costing no worker), then for one of `workers`. A chat therefore
holds at most one worker. A chat with more than `backlog` updates waiting is flooding: further
updates from it are dropped until it has caught up, and it is told so once (`on_flood`).

Handled: every update, answered or dropped, is reported to `handled_listeners` once its
handlers have returned (errors included). The local Bot API server in sandbox/ listens, so a
simulated user waits for "update N handled" instead of for a quiet moment.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# PTB's own bound on updates in hand; far above anything real, so that it never binds.
UNBOUNDED = 1_000_000
WORKERS = 64
BACKLOG = 20

OnFlood = Callable[[Update], Awaitable[None]]
# Told the update_id of each update once its handlers are done.
OnHandled = Callable[[int], None]


@dataclass
class _Chat:
    lock: asyncio.Lock
    waiting: int = 0  # updates holding or waiting for the lock
    told: bool = False  # the flood notice was sent for this backlog


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self, workers: int = WORKERS, backlog: int = BACKLOG, on_flood: OnFlood | None = None
    ) -> None:
        super().__init__(UNBOUNDED)
        self._workers = asyncio.Semaphore(workers)
        self._backlog = backlog
        self.on_flood = on_flood
        self._chats: dict[int, _Chat] = {}
        self.dropped = 0
        self.handled_listeners: list[OnHandled] = []

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._process(update, coroutine)
        finally:
            if self.handled_listeners and isinstance(update, Update):
                for listener in self.handled_listeners:
                    listener(update.update_id)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._workers:
                await coroutine
            return
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(asyncio.Lock())
        if chat.waiting >= self._backlog:
            await self._drop(update, coroutine, chat)
            return
        chat.waiting += 1
        try:
            async with chat.lock, self._workers:
                await coroutine
        finally:
            chat.waiting -= 1
            if chat.waiting == 0:
                del self._chats[key]  # no one else waiting: keep the table small

    async def _drop(self, update: object, coroutine: Awaitable[Any], chat: _Chat) -> None:
        if inspect.iscoroutine(coroutine):
            coroutine.close()  # never run: no "never awaited" warning
        self.dropped += 1
        if chat.told or self.on_flood is None or not isinstance(update, Update):
            return
        chat.told = True
        log.warning("a chat is flooding the bot; dropping its updates until it catches up")
        try:
            async with self._workers:
                await self.on_flood(update)
        except Exception as exc:  # a notice that cannot be sent is not worth more
            log.info("flood notice failed: %s", type(exc).__name__)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
