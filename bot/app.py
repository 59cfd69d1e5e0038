"""`build_application`: the one place that wires the bot together.

Tests, the benchmarks, the playground and production all build the bot here, so they run the
same handlers in the same order.
"""

from __future__ import annotations

import logging
from typing import Any, TypeAlias

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import views
from bot.config import Settings
from bot.handlers.core import CoreHandlers, IntentAction
from bot.handlers.flows import FlowHandlers
from bot.services import Clock, Services, load_locales
from bot.storage import Storage

log = logging.getLogger(__name__)

# Handler groups: a lower number runs first, and every group sees every update.
GROUP_BOOKKEEPING = -1  # remember the user; never answers
GROUP_MAIN = 0  # exactly one handler here answers each update

BotApp: TypeAlias = Application[
    ExtBot[None],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


def _wire_flows(services: Services, core: CoreHandlers, flows: FlowHandlers) -> None:
    """Free text, deep links and buttons that lead into the guided flows, and where they end."""

    def opener(flow_id: str) -> IntentAction:
        async def open_flow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await flows.start(update, context, flow_id)

        return open_flow

    core.intent_actions.update(
        {"cramp_now": opener("now"), "flow_bed": opener("bed"), "flow_swim": opener("swim")}
    )
    core.deep_links.update(
        {"cramp": "cramp_now", "now": "cramp_now", "bed": "flow_bed", "swim": "flow_swim"}
    )
    core.button_actions["f"] = flows.press

    async def hand_off(
        update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, message_id: int | None
    ) -> None:
        content = core.locale_of(update.effective_user).content
        if action == "menu":
            screen = views.main_menu(content)
        else:  # the reminder offers, until reminders have their own set-up
            screen = views.topic_screen(content, content.topic_for_intent("reminders"))
        await core.show_in_place(update, context, screen)

    flows.hand_off = hand_off


def build_application(
    settings: Settings, *, clock: Clock | None = None, services: Services | None = None
) -> BotApp:
    """Build the bot. Storage opens in post_init and closes in post_shutdown."""
    if services is None:
        services = Services(settings, load_locales(settings.content_dir, settings.language))
    if clock is not None:
        services.clock = clock
    core = CoreHandlers(services)
    flows = FlowHandlers(services)
    _wire_flows(services, core, flows)

    async def post_init(app: BotApp) -> None:
        services.attach_storage(await Storage.open(settings.db_path))
        content = services.locales[settings.language].content
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in content.commands.items()])
        log.info("bot started as @%s", app.bot.username)

    async def post_stop(app: BotApp) -> None:
        await flows.stop_all()

    async def post_shutdown(app: BotApp) -> None:
        storage, services._storage = services._storage, None
        if storage is not None:
            await storage.close()

    app = (
        ApplicationBuilder()
        .token(settings.token.get())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )

    app.add_handler(TypeHandler(Update, core.touch_user), group=GROUP_BOOKKEEPING)

    commands = {
        "start": core.start,
        "cramp": flows.cramp,
        "help": core.help,
        "menu": core.menu,
        "about": core.about,
        "forget": core.forget,
        "cancel": core.cancel,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback), group=GROUP_MAIN)
    app.add_handler(CallbackQueryHandler(core.button), group=GROUP_MAIN)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, core.text), group=GROUP_MAIN)
    app.add_handler(MessageHandler(filters.COMMAND, core.unknown_command), group=GROUP_MAIN)
    # Stickers, photos, voice, locations...: anything with a chat that is not text.
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT, core.non_text), group=GROUP_MAIN
    )
    app.add_error_handler(core.on_error)
    return app
