"""Run an Application inside an already running event loop (tests, playground, benchmarks).

`Application.run_polling` owns the event loop and blocks; here the same steps are taken one by
one, including `post_init` and `post_shutdown`, which only run_polling/run_webhook call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update

from bot.app import BotApp


@asynccontextmanager
async def polling(app: BotApp, *, poll_timeout: int = 1) -> AsyncIterator[BotApp]:
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        updater = app.updater
        if updater is None:
            raise RuntimeError("the application was built without an updater")
        await updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
        try:
            yield app
        finally:
            if updater.running:
                await updater.stop()
            if app.running:
                await app.stop()
    finally:
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
