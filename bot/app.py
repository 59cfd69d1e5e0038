"""`build_application`: the one place that wires the bot together.

Tests, the benchmarks, the playground and production all build the bot here, so they run the
same handlers in the same order.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any, TypeAlias

from telegram import BotCommand, ChatMember, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import views
from bot.callbacks import Callback, Kind
from bot.concurrency import PerChatUpdateProcessor
from bot.config import Settings
from bot.diary.weekly import WeeklyNotes
from bot.handlers.core import CoreHandlers, IntentAction
from bot.handlers.diary import DiaryHandlers
from bot.handlers.flows import FlowHandlers
from bot.handlers.language import LanguageHandlers
from bot.handlers.telegram_io import send
from bot.http import AiohttpRequest
from bot.intents import CRAMP_NOW, FLOW_OF_INTENT, REMINDERS
from bot.reminders import screens as reminder_views
from bot.reminders import zones
from bot.reminders.handlers import ReminderHandlers
from bot.reminders.outbox import BotApiClient, Outbox, Render
from bot.reminders.sweep import ReminderScheduler
from bot.services import Clock, Services, load_locales
from bot.storage import Delivery, Storage
from bot.text_schema import uses

uses(__name__, "system.toml", "texts", "flood")

log = logging.getLogger(__name__)

# Handler groups: a lower number runs first, and every group sees every update.
GROUP_BOOKKEEPING = -1  # remember the user; never answers
GROUP_MAIN = 0  # exactly one handler here answers each update

# One Bot API host: a small pool is plenty (see bot/http.py for why not httpx).
HTTP_POOL_SIZE = 16
# getUpdates long-polls; PTB adds its poll timeout to this read timeout.
GET_UPDATES_READ_TIMEOUT = 5.0

# The garbage collector, once the bot has started. CPython looks for reference cycles among
# the objects allocated since its last look (every 700 by default) and, now and then, among
# all of them. The bot keeps ~360,000 objects from start-up (content, models, the zone index)
# for as long as it runs: under load (bench throughput) a tenth of its CPU went to the
# collector, a full pass costing ~300 ms, a young one ~1.5 ms every twenty updates or so.
# Frozen, the start-up objects are never looked at again; a young pass every 10,000
# allocations instead of 700 costs about the same as one every 700 did.
GC_THRESHOLD = (10_000, 10, 10)
GC_DEFAULT = (700, 10, 10)


def collect_less() -> None:
    """What is alive now lives as long as the bot: the collector skips it from now on, and
    looks at newer objects less often (see GC_THRESHOLD)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def collect_as_usual() -> None:
    """Undo `collect_less` (the bot has stopped: a test process builds many bots)."""
    gc.unfreeze()
    gc.set_threshold(*GC_DEFAULT)


Context = ContextTypes.DEFAULT_TYPE
BotApp: TypeAlias = Application[
    ExtBot[None],
    Context,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[Context],
]


def _wire(
    services: Services,
    core: CoreHandlers,
    flows: FlowHandlers,
    reminders: ReminderHandlers,
    language: LanguageHandlers,
    diary: DiaryHandlers,
) -> None:
    """Which intents, deep links and buttons lead where, and where the flows end."""

    def opener(flow_id: str) -> IntentAction:
        async def open_flow(update: Update, context: Context) -> None:
            await flows.start(update, context, flow_id)

        return open_flow

    async def open_reminders(update: Update, context: Context) -> None:
        await reminders.show_list(update, context, None)

    core.intent_actions.update(
        {intent: opener(flow) for intent, flow in FLOW_OF_INTENT.items()}
        | {REMINDERS: open_reminders}
    )
    # /start <payload>: a flow's id opens it ("now", "bed", "swim"), as do "cramp" and "reminders".
    core.deep_links.update(
        {flow: intent for intent, flow in FLOW_OF_INTENT.items()}
        | {"cramp": CRAMP_NOW, REMINDERS: REMINDERS}
    )
    core.button_actions.update(
        {Kind.FLOW: flows.press, Kind.REMINDERS: reminders.press, Kind.LANGUAGE: language.press}
    )
    core.written_in = language.written_in
    core.offer_language = language.offer
    core.on_forget.append(services.forget_language)
    core.setup_interceptors.append(reminders.on_setup_text)
    core.route_hooks.append(reminders.on_request)
    core.media_interceptors.append(reminders.on_location)
    core.after_start.append(reminders.offer_resume)
    core.on_forget.append(flows.stop_timer)
    _wire_diary(core, flows, reminders, diary)

    async def hand_off(
        update: Update, context: Context, action: str, message_id: int | None
    ) -> None:
        if action == "remind_bedtime":
            await reminders.begin(update, context, "bedtime", message_id)
        elif action == "remind_preswim":
            await reminders.begin(update, context, "preswim", message_id)
        else:
            content = core.locale(update).content
            await core.show_in_place(update, context, views.main_menu(content))

    flows.hand_off = hand_off


def _wire_diary(
    core: CoreHandlers, flows: FlowHandlers, reminders: ReminderHandlers, diary: DiaryHandlers
) -> None:
    """The diary hears of relief flows that end, of past cramps told in words, and of Done on
    a bedtime stretch reminder; it owns the "d" buttons and its typed medicines."""
    core.button_actions[Kind.DIARY] = diary.press
    core.text_interceptors.append(diary.on_text)
    core.after_warning.append(diary.on_text)
    core.route_hooks.append(diary.on_route)
    flows.on_end = diary.flow_ended

    async def reminder_press(update: Update, context: Context, parsed: Callback) -> None:
        await reminders.press(update, context, parsed)
        # Done on a bedtime reminder ("r:done:<reminder id>") marks tonight's stretch.
        reminder_id = parsed.int_arg(1)
        if parsed.arg(0) == "done" and reminder_id is not None and update.effective_user:
            reminder = await reminders.services.storage.get_reminder(reminder_id)
            mine = reminder is not None and reminder.user_id == update.effective_user.id
            if mine and reminder is not None and reminder.kind == "bedtime":
                await diary.stretch_done(reminder.user_id)

    core.button_actions[Kind.REMINDERS] = reminder_press


def _render_delivery(services: Services) -> Render:
    def render(delivery: Delivery) -> views.Screen | None:
        content = services.locale(delivery.language).content
        return reminder_views.reminder_message(
            content, delivery.kind, delivery.local_time, delivery.reminder_id
        )

    return render


class _Lifecycle:
    """What runs around the handlers: storage and the reminder sweep start in post_init and
    stop in post_stop and post_shutdown; a revoked token or a replaced database stops the bot."""

    def __init__(
        self, services: Services, flows: FlowHandlers, diary: DiaryHandlers, client: BotApiClient
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.flows = flows
        self.diary = diary
        self.client = client

    async def sweep(self, context: Context) -> None:
        # The job only starts a sweep and returns: a long fan-out must not make the job
        # scheduler skip (and warn about) the next runs. One sweep at a time. Not
        # application.create_task: Application.stop() would wait for the whole fan-out.
        services = self.services
        storage = services._storage
        if storage is not None and storage.file_replaced():
            # SQLite would go on writing to the deleted file, and all of it would be lost at
            # the next start: stop now, loudly.
            services.fail(
                f"the database file {storage.path} was deleted or replaced while the bot ran; "
                "stopping so that nothing more is lost. Restore it from a backup (or let the "
                "bot create a new one) and start again."
            )
            return
        if services.scheduler is not None:
            services.scheduler.start_tick()
        if services.weekly is not None:
            services.weekly.start_tick()

    async def post_init(self, app: BotApp) -> None:
        services, settings = self.services, self.settings
        # The zone index takes about two seconds to build: in a thread, so start-up does not
        # wait; its alias file is checked now, so a mistake there still stops the start.
        aliases = settings.content_dir / "timezones.toml"
        zones.check_aliases(aliases)
        services.zone_index = asyncio.get_running_loop().run_in_executor(
            None, zones.warm_up, aliases, settings.cache_dir
        )
        # The zone index is start-up memory too: frozen as well once built.
        services.zone_index.add_done_callback(lambda _: collect_less())
        storage = await Storage.open(settings.db_path)
        services.attach_storage(storage)
        interrupted = await storage.abandon_in_flight()
        if interrupted:
            log.warning(
                "%d reminder(s) were mid-send when the bot stopped; not resent", interrupted
            )
        outbox = Outbox(
            storage, self.client, _render_delivery(services), rate=settings.reminder_rate,
            clock=services.clock, grace_seconds=settings.reminder_grace_minutes * 60,
        )  # fmt: skip
        services.scheduler = ReminderScheduler(
            storage, outbox, grace_seconds=settings.reminder_grace_minutes * 60,
            clock_now=services.clock,
        )  # fmt: skip
        services.weekly = WeeklyNotes(
            storage, self.client, self.diary.weekly_screen, clock=services.clock,
            grace_seconds=settings.reminder_grace_minutes * 60,
        )  # fmt: skip
        await storage.abandon_weekly_in_flight()
        if app.job_queue is not None:
            interval = settings.reminder_sweep_seconds
            app.job_queue.run_repeating(self.sweep, interval=interval, first=interval, name="sweep")
        # The command menu in each language (Telegram picks it by the person's language), and
        # the default language's for everyone else.
        content = services.locales[settings.language].content
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in content.commands.items()])
        for lang, locale in services.locales.items():
            commands = [BotCommand(n, d) for n, d in locale.content.commands.items()]
            await app.bot.set_my_commands(commands, language_code=lang)
        collect_less()
        log.info("bot started as @%s", app.bot.username)

    async def post_stop(self, app: BotApp) -> None:
        if self.services.zone_index is not None:
            await asyncio.gather(self.services.zone_index, return_exceptions=True)
        if self.services.scheduler is not None:
            await self.services.scheduler.stop()
        if self.services.weekly is not None:
            await self.services.weekly.stop()
        await self.flows.stop_all()
        await self.client.close()

    async def post_shutdown(self, app: BotApp) -> None:
        collect_as_usual()
        services = self.services
        services.scheduler = None
        services.weekly = None
        storage, services._storage = services._storage, None
        if storage is not None:
            await storage.close()

    def token_refused(self, status: int) -> None:
        self.services.fail(
            f"the Bot API refused TELEGRAM_BOT_TOKEN while running (HTTP {status}): it was "
            "revoked or replaced. Set the new token from @BotFather and start the bot again."
        )

    async def member_changed(self, update: Update, context: Context) -> None:
        """Blocking the bot arrives as a my_chat_member update: pause that user's reminders."""
        change = update.my_chat_member
        if change and change.new_chat_member.status == ChatMember.BANNED:
            await self.services.storage.mark_blocked(change.from_user.id, self.services.now())


def build_application(
    settings: Settings, *, clock: Clock | None = None, services: Services | None = None
) -> BotApp:
    """Build the bot. Storage and the reminder sweep start in post_init and stop on shutdown."""
    if services is None:
        services = Services(
            settings, load_locales(settings.content_dir, settings.language, settings.cache_dir)
        )
    if clock is not None:
        services.clock = clock
    core = CoreHandlers(services)
    flows = FlowHandlers(services)
    reminders = ReminderHandlers(services)
    language = LanguageHandlers(services)
    diary = DiaryHandlers(services)
    _wire(services, core, flows, reminders, language, diary)
    life = _Lifecycle(
        services, flows, diary, BotApiClient(settings.api_base_url, settings.token.get())
    )
    processor = PerChatUpdateProcessor()
    app = (
        ApplicationBuilder()
        .token(settings.token.get())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .post_init(life.post_init)
        .post_stop(life.post_stop)
        .post_shutdown(life.post_shutdown)
        .concurrent_updates(processor)
        .request(AiohttpRequest(HTTP_POOL_SIZE))
        .get_updates_request(
            AiohttpRequest(1, read_timeout=GET_UPDATES_READ_TIMEOUT, on_refused=life.token_refused)
        )
        .build()
    )

    async def flood_notice(update: Update) -> None:
        """Told once to a chat whose messages are being dropped (see bot/concurrency.py)."""
        if update.effective_chat is not None:
            content = core.locale(update).content
            await send(app.bot, update.effective_chat.id, views.plain(content, "flood"))

    processor.on_flood = flood_notice
    _add_handlers(app, core, flows, reminders, language, diary, life)
    return app


def _add_handlers(
    app: BotApp,
    core: CoreHandlers,
    flows: FlowHandlers,
    reminders: ReminderHandlers,
    language: LanguageHandlers,
    diary: DiaryHandlers,
    life: _Lifecycle,
) -> None:
    app.add_handler(TypeHandler(Update, core.touch_user), group=GROUP_BOOKKEEPING)
    commands = {
        "start": core.start,
        "cramp": flows.cramp,
        "diary": diary.command,
        "reminders": reminders.command,
        "help": core.help,
        "menu": core.menu,
        "about": core.about,
        "forget": core.forget,
        "cancel": core.cancel,
        "language": language.command,
        "stats": core.operator_stats,  # operators only; not in the public command menu
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback), group=GROUP_MAIN)
    app.add_handler(CallbackQueryHandler(core.button), group=GROUP_MAIN)
    app.add_handler(
        ChatMemberHandler(life.member_changed, ChatMemberHandler.MY_CHAT_MEMBER), GROUP_MAIN
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, core.text), group=GROUP_MAIN)
    app.add_handler(MessageHandler(filters.COMMAND, core.unknown_command), group=GROUP_MAIN)
    # Stickers, photos, voice, locations...: anything with a chat that is not text.
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT, core.non_text), group=GROUP_MAIN
    )
    app.add_error_handler(core.on_error)
