"""Run an Application inside an already running event loop: production (`serve`), tests, the
playground and benchmarks (`polling`).

`Application.run_polling` owns the event loop and blocks, and its shutdown stops at the first
step that raises (a polling task that died of a revoked token, say), leaving storage open and
its thread keeping the process alive. Here the same steps are taken one by one, including
`post_init`, `post_stop` and `post_shutdown`, and every shutdown step runs whatever the one
before it did.

Stop order: `before_stop` (the reminder outbox stops claiming and sending at once), the updater
(no new updates), the application (updates in hand are finished), `post_stop`, `shutdown`,
`post_shutdown` (storage closed).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from telegram import Update

from bot.app import BotApp

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# getUpdates long-polls this long in production (tests use 1 s).
PRODUCTION_POLL_TIMEOUT = 10


@dataclass(frozen=True)
class Webhook:
    listen: str
    port: int
    url: str
    secret: str
    url_path: str = "telegram"


async def _step(name: str, action: Callable[[], Awaitable[object]]) -> None:
    """One shutdown step; a failure is logged (type only) and the next step still runs."""
    try:
        await action()
    except Exception as exc:
        log.warning("stopping: %s failed (%s); carrying on", name, type(exc).__name__)


@asynccontextmanager
async def running(
    app: BotApp,
    *,
    webhook: Webhook | None = None,
    poll_timeout: int = 1,
    allowed_updates: list[str] | None = None,
    before_stop: Callable[[], Awaitable[None]] | None = None,
) -> AsyncIterator[BotApp]:
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        updater = app.updater
        if updater is None:
            raise RuntimeError("the application was built without an updater")
        if webhook is None:
            await updater.start_polling(
                poll_interval=0.0,
                timeout=poll_timeout,
                allowed_updates=allowed_updates or Update.ALL_TYPES,
            )
        else:
            await updater.start_webhook(
                listen=webhook.listen, port=webhook.port, url_path=webhook.url_path,
                webhook_url=webhook.url, secret_token=webhook.secret,
                allowed_updates=allowed_updates or Update.ALL_TYPES,
            )  # fmt: skip
        await app.start()
        try:
            yield app
        finally:
            if before_stop is not None:
                await _step("stopping the reminders", before_stop)
            if updater.running:
                await _step("stopping the updater", updater.stop)
            if app.running:
                await _step("stopping the application", app.stop)
    finally:
        if app.post_stop:
            post_stop = app.post_stop
            await _step("post_stop", lambda: post_stop(app))
        await _step("shutdown", app.shutdown)
        if app.post_shutdown:
            post_shutdown = app.post_shutdown
            await _step("post_shutdown", lambda: post_shutdown(app))


@asynccontextmanager
async def polling(app: BotApp, *, poll_timeout: int = 1) -> AsyncIterator[BotApp]:
    async with running(app, poll_timeout=poll_timeout) as ready:
        yield ready


async def serve(
    app: BotApp,
    stop: asyncio.Event,
    *,
    webhook: Webhook | None = None,
    before_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run until SIGTERM or SIGINT (or `stop` is set by the bot itself), then stop cleanly."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(
            app, webhook=webhook, poll_timeout=PRODUCTION_POLL_TIMEOUT,
            allowed_updates=ALLOWED_UPDATES, before_stop=before_stop,
        ):  # fmt: skip
            await stop.wait()
            log.info("stopping")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
