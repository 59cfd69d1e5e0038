"""Thin Telegram adapters: read the update, ask the pure modules, render the reply.

Commands (/start, /help, /menu, /about, /forget, /cancel), free text, buttons and non-text
messages. Flow and reminder handlers live beside this module.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot import views
from bot.callbacks import Answer, Callback, Kind, decode
from bot.content import Content
from bot.handlers.base import HandlerBase
from bot.handlers.telegram_io import answer_callback, edit_or_send, send
from bot.intents import FALLBACK, SMALLTALK
from bot.routing import Route
from bot.services import Locale, Services
from bot.storage import ConversationState, StorageError
from bot.telegram_html import escape
from bot.text_schema import uses

uses(
    __name__, "system.toml", "texts",
    """welcome(name) help about cancel_done cancel_nothing did_you_mean fallback non_text
    stale_button forget_done forget_cancelled error_generic error_storage
    operator_stats(users,blocked,in_flow,reminders,reminders_active,deliveries,feedback)""",
)  # fmt: skip

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
# last_seen is written at most this often per user (seconds), and the memory of it is bounded.
TOUCH_EVERY = 60
TOUCH_CACHE_SIZE = 100_000


IntentAction = Callable[[Update, Context], Awaitable[None]]
ButtonAction = Callable[[Update, Context, Callback], Awaitable[None]]
# Gets typed text first while a step waits for it (a time, a city); True: it was handled.
TextInterceptor = Callable[[Update, Context, ConversationState], Awaitable[bool]]
# The same, for a set-up that also reads the route: True: handled; False: not its business;
# a callable: not its business, but it has something to add after the answer ("carry on
# setting up your reminder").
SetupInterceptor = Callable[
    [Update, Context, ConversationState, Route], Awaitable[bool | IntentAction]
]
# Sees routed text (no warning sign) before the intent's answer; True: it answered.
RouteHook = Callable[[Update, Context, Route], Awaitable[bool]]


class CoreHandlers(HandlerBase):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        # Filled in by build_application: intents and button kinds other modules own.
        self.intent_actions: dict[str, IntentAction] = {}
        self.button_actions: dict[str, ButtonAction] = {}
        # /start <payload> deep links -> intent, so a shared link opens a flow.
        self.deep_links: dict[str, str] = {}
        self.text_interceptors: list[TextInterceptor] = []
        self.setup_interceptors: list[SetupInterceptor] = []
        # Get a non-text message (a shared location) first; True: it was handled.
        self.media_interceptors: list[Callable[[Update, Context], Awaitable[bool]]] = []
        self.route_hooks: list[RouteHook] = []
        # Get typed text the person was asked for even when it holds a warning sign, after
        # the warning is shown (the diary's medicines: "statin since October" is kept).
        self.after_warning: list[TextInterceptor] = []
        self.after_start: list[IntentAction] = []
        self.on_forget: list[Callable[[int], None]] = [self._touched_forget]
        # Which language a message is written in, and the "Keep <language>?" offer (wired by
        # build_application to LanguageHandlers).
        self.written_in: Callable[[Update, str], tuple[Locale, bool]] | None = None
        self.offer_language: Callable[[Update, Context, Locale], Awaitable[None]] | None = None
        # user id -> when touch_user last wrote their row (saves a write on most updates)
        self._touched: dict[int, int] = {}

    def _touched_forget(self, user_id: int) -> None:
        self._touched.pop(user_id, None)

    # --- helpers ------------------------------------------------------------------------

    # --- pre-filter (group -1): remember who wrote ---------------------------------------

    async def touch_user(self, update: Update, context: Context) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or user.is_bot:
            return
        now = self.services.now()
        if now - self._touched.get(user.id, -TOUCH_EVERY) < TOUCH_EVERY:
            return  # recorded a moment ago: last_seen is kept to the minute, not per update
        language = self.services.locale(user.language_code).content.language
        try:
            await self.services.storage.touch_user(user.id, chat.id, language, now)
            if len(self._touched) >= TOUCH_CACHE_SIZE:
                self._touched.clear()
            self._touched[user.id] = now
            if user.id not in self.services.chosen_languages:
                # The language they chose (/language) outlives a restart: read it once.
                record = await self.services.storage.get_user(user.id)
                chosen = record.language if record is not None and record.language_chosen else ""
                self.services.remember(self.services.chosen_languages, user.id, chosen)
        except StorageError as exc:
            # Bookkeeping only: the person still gets their answer from the handlers below.
            log.warning("could not record the user: %s", exc)

    # --- commands -----------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        payload = context.args[0].lower() if context.args else ""
        intent = self.deep_links.get(payload)
        if intent in self.intent_actions:
            await self.intent_actions[intent](update, context)
            return
        _, chat_id = self.ids(update)
        content = self.locale(update).content
        name = escape(update.effective_user.first_name if update.effective_user else "")
        await send(
            context.bot, chat_id, views.main_menu(content, content.text("welcome", name=name))
        )
        for action in self.after_start:
            await action(update, context)

    async def help(self, update: Update, context: Context) -> None:
        _, chat_id = self.ids(update)
        content = self.locale(update).content
        await send(context.bot, chat_id, views.main_menu(content, content.text("help")))

    async def menu(self, update: Update, context: Context) -> None:
        _, chat_id = self.ids(update)
        await send(context.bot, chat_id, views.main_menu(self.locale(update).content))

    async def about(self, update: Update, context: Context) -> None:
        _, chat_id = self.ids(update)
        content = self.locale(update).content
        await send(context.bot, chat_id, views.plain(content, "about"))

    async def forget(self, update: Update, context: Context) -> None:
        _, chat_id = self.ids(update)
        await send(
            context.bot,
            chat_id,
            views.forget_confirm(self.locale(update).content),
        )

    async def cancel(self, update: Update, context: Context) -> None:
        user_id, chat_id = self.ids(update)
        content = self.locale(update).content
        had_state = await self.services.storage.get_state(user_id) is not None
        if had_state:
            await self.services.storage.clear_state(user_id)
        key = "cancel_done" if had_state else "cancel_nothing"
        await send(context.bot, chat_id, views.main_menu(content, content.text(key)))

    async def operator_stats(self, update: Update, context: Context) -> None:
        """/stats for operators; anyone else gets what any unknown command gets."""
        user_id, chat_id = self.ids(update)
        if user_id not in self.services.settings.operator_ids:
            await self.text(update, context)
            return
        storage = self.services.storage
        totals = await storage.totals()
        deliveries = ", ".join(
            f"{k} {v}" for k, v in sorted((await storage.delivery_counts()).items())
        )
        content = self.locale(update).content
        text = content.text("operator_stats", deliveries=deliveries or "0", **totals)
        await send(context.bot, chat_id, views.Screen(text))

    async def unknown_command(self, update: Update, context: Context) -> None:
        """A /command the bot does not know is treated as text (it may be a typo of one)."""
        await self.text(update, context)

    # --- free text ----------------------------------------------------------------------

    async def text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        locale, offer = self.locale(update), False
        if self.written_in is not None:  # a message in another language is answered in it
            locale, offer = self.written_in(update, message.text)
        await self._answer_text(update, context, locale, message.text)
        if offer and self.offer_language is not None:
            await self.offer_language(update, context, locale)

    async def _answer_text(
        self, update: Update, context: Context, locale: Locale, text: str
    ) -> None:
        user_id, _ = self.ids(update)
        route = locale.router.route(text)
        log.debug("routed to %s (%d)", route.intent, route.score)
        if route.warnings:
            # A warning sign comes first, before any relief steps or set-up in progress.
            await self.show_warning(update, context, route)
            await self._after_warning(update, context, user_id)
            return
        state = await self.services.storage.get_state(user_id)
        after: list[IntentAction] = []
        if state is not None:
            taken = await self._intercept(update, context, state, route)
            if taken is None:
                return
            after = taken
        for hook in self.route_hooks:
            if await hook(update, context, route):
                return
        await self.show_intent(update, context, route.intent, [i for i, _ in route.alternatives])
        for action in after:
            await action(update, context)

    async def _after_warning(self, update: Update, context: Context, user_id: int) -> None:
        """A flow or a set-up in progress may keep its place after a warning screen."""
        waiting = await self.services.storage.get_state(user_id) if self.after_warning else None
        if waiting is not None:
            for keep in self.after_warning:
                if await keep(update, context, waiting):
                    break

    async def _intercept(
        self, update: Update, context: Context, state: ConversationState, route: Route
    ) -> list[IntentAction] | None:
        """Text read by what is in progress: None when it was taken whole, else what to do
        after the answer (a set-up that waits says so under it)."""
        for intercept in self.text_interceptors:
            if await intercept(update, context, state):
                return None
        after: list[IntentAction] = []
        for setup in self.setup_interceptors:
            taken = await setup(update, context, state, route)
            if taken is True:
                return None
            if callable(taken):
                after.append(taken)
        return after

    async def show_warning(self, update: Update, context: Context, route: Route) -> None:
        user_id, chat_id = self.ids(update)
        # The number follows their time zone, else the language they chose with /language
        # (not a guess from one message), else their Telegram language.
        time_zone, chosen = None, self.services.chosen_languages.get(user_id) or None
        try:
            user = await self.services.storage.get_user(user_id)
            if user is not None:
                time_zone = user.time_zone
                chosen = chosen or (user.language if user.language_chosen else None)
        except StorageError as exc:  # the number is a nicety: the warning goes out regardless
            log.warning("could not read the time zone: %s", exc)
        code = update.effective_user.language_code if update.effective_user else None
        number = self.services.emergency_numbers.for_person(time_zone, chosen, code)
        screen = views.warning_screen(self.locale(update).content, route.warnings, number)
        await send(context.bot, chat_id, screen)

    async def show_intent(
        self, update: Update, context: Context, intent: str, alternatives: list[str]
    ) -> None:
        if intent in self.intent_actions:
            await self.intent_actions[intent](update, context)
            return
        _, chat_id = self.ids(update)
        content = self.locale(update).content
        if intent == FALLBACK:
            if alternatives:
                screen = views.did_you_mean(content, alternatives, content.text("did_you_mean"))
            else:
                screen = views.main_menu(content, content.text("fallback"))
        elif intent == "help":
            screen = views.main_menu(content, content.text("help"))
        elif intent == SMALLTALK:  # one short friendly line, no menu dump
            body = content.topic_for_intent(SMALLTALK).body.strip()
            screen = views.Screen(body, (views.menu_row(content),))
        else:
            screen = views.topic_screen(content, content.topic_for_intent(intent))
        await send(context.bot, chat_id, screen)

    async def non_text(self, update: Update, context: Context) -> None:
        for intercept in self.media_interceptors:
            if await intercept(update, context):
                return
        _, chat_id = self.ids(update)
        content = self.locale(update).content
        await send(context.bot, chat_id, views.main_menu(content, content.text("non_text")))

    # --- buttons ------------------------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        content = self.locale(update).content
        parsed = decode(query.data)
        if parsed is not None and parsed.kind in self.button_actions:
            await self.button_actions[parsed.kind](update, context, parsed)
            return
        if parsed is None or not self._valid(parsed, content):
            await answer_callback(context.bot, query.id, content.text("stale_button"))
            await self._fresh_menu(update, context, content.text("stale_button"))
            return
        await answer_callback(context.bot, query.id)
        screen = self._screen_for(parsed, update)
        if parsed.kind is Kind.FORGET:
            await self._forget_answer(update, context, parsed)
            return
        if screen is not None:
            await self.show_in_place(update, context, screen)

    def _valid(self, parsed: Callback, content: Content) -> bool:
        if parsed.kind is Kind.MENU:
            return parsed.arg(0) in content.menus
        if parsed.kind is Kind.TOPIC:
            return parsed.arg(0) in content.topics and (
                len(parsed.args) == 1 or parsed.arg(1) in content.menus
            )
        if parsed.kind is Kind.FORGET:
            return parsed.arg(0) in tuple(Answer)
        return parsed.kind in (Kind.MAIN_MENU, Kind.HELP, Kind.ABOUT)

    def _screen_for(self, parsed: Callback, update: Update) -> views.Screen | None:
        content = self.locale(update).content
        match parsed.kind:
            case Kind.MAIN_MENU:
                return views.main_menu(content)
            case Kind.HELP:
                return views.main_menu(content, content.text("help"))
            case Kind.ABOUT:
                return views.plain(content, "about")
            case Kind.MENU:
                return views.topic_menu(content, parsed.arg(0))
            case Kind.TOPIC:
                topic = content.topics[parsed.arg(0)]
                return views.topic_screen(content, topic, from_menu=parsed.arg(1) or None)
        return None

    async def show_in_place(self, update: Update, context: Context, screen: views.Screen) -> None:
        _, chat_id = self.ids(update)
        await edit_or_send(context.bot, chat_id, self.pressed_message_id(update), screen)

    async def _fresh_menu(self, update: Update, context: Context, text: str) -> None:
        _, chat_id = self.ids(update)
        content = self.locale(update).content
        await send(context.bot, chat_id, views.main_menu(content, text))

    async def _forget_answer(self, update: Update, context: Context, parsed: Callback) -> None:
        user_id, _ = self.ids(update)
        content = self.locale(update).content
        if parsed.arg(0) == Answer.YES:
            for forget in self.on_forget:
                forget(user_id)
            await self.services.storage.forget_user(user_id)
            key = "forget_done"
        else:
            key = "forget_cancelled"
        await self.show_in_place(update, context, views.main_menu(content, content.text(key)))

    # --- errors -------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log the failure (no message text, no secrets) and tell the person something kind."""
        error = context.error
        kind = type(error).__name__ if error else "unknown"
        update_id = update.update_id if isinstance(update, Update) else None
        if self.in_doubt(error):
            # In doubt: the reply may have arrived; an apology could be a second message.
            log.warning("update %s: a reply is in doubt (%s); not repeated", update_id, kind)
            return
        log.error("update %s failed: %s", update_id, kind, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if isinstance(error, Forbidden) and update.effective_user is not None:
            # The person blocked the bot: stop their reminders until they come back.
            try:
                await self.services.storage.mark_blocked(
                    update.effective_user.id, self.services.now()
                )
            except StorageError as exc:
                log.warning("could not record the block: %s", exc)
            return
        content = self.locale(update).content
        key = "error_storage" if isinstance(error, StorageError) else "error_generic"
        try:
            await send(context.bot, update.effective_chat.id, views.plain(content, key))
        except Exception as exc:  # the chat may be unreachable (403, network): nothing more to do
            log.warning("could not tell the user about the error: %s", type(exc).__name__)
