"""Guided relief flows in the chat: one message, edited in place as the person advances.

State lives in SQLite (flow, step, message, started), so a restart mid-flow loses nothing: the
next press continues at the right step. A press on any other message or step (stale, forged,
double-tapped) is answered kindly and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, ExtBot

from bot import views
from bot.callbacks import Callback
from bot.flows import DONE, HELPED, NEW, STARTS_FLOW, FlowError, FlowState, Outcome
from bot.handlers.base import HandlerBase
from bot.handlers.telegram_io import answer_callback, edit, edit_or_send
from bot.services import Locale, Services
from bot.storage import ConversationState
from bot.text_schema import uses

uses(__name__, "flows.toml", "texts", "already stale")  # toasts

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
HandOff = Callable[[Update, Context, str, int | None], Awaitable[None]]


@dataclass(frozen=True)
class FlowEnd:
    """A relief flow reached an end (eased, what helped, severe, out of the water, every
    method tried): what the diary may note about that cramp."""

    flow: str
    started_utc: int
    eased_utc: int | None  # when "It eased" was tapped
    tried: tuple[str, ...]
    helped: str | None
    severe: bool
    calm: bool  # eased and answered, or out of the water: the moment for a question


OnEnd = Callable[[Update, Context, FlowEnd], Awaitable[None]]


def flow_end(  # noqa: PLR0911 - one return per kind of end: the list reads as the rule
    stored: ConversationState, state: FlowState, button: str, outcome: Outcome, now: int
) -> FlowEnd | None:
    """The end a press reached, if any (pure)."""
    new = outcome.state
    if new is None:
        return None
    base = FlowEnd(new.flow, stored.started_utc, None, new.tried, None, False, False)
    if button == "eased":
        return replace(base, eased_utc=now)
    if button in (HELPED, "not_sure") and new.step == DONE:
        # The saved step was "eased": it was saved when "It eased" was tapped.
        return replace(base, eased_utc=stored.updated_utc, helped=new.helped, calm=True)
    if button == "severe":
        return replace(base, severe=True)
    if button == "out":
        return replace(base, calm=True)
    if new.step == "exhausted" and state.step != "exhausted":
        return base
    return None


# The countdown edits the message this often (seconds).
TICK = 10
# At shutdown, how long a countdown may take to leave its message still (seconds).
STOP_EDIT = 1.0


class FlowHandlers(HandlerBase):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._stopping = False
        # Set by the app: where "menu" and the reminder offers lead.
        self.hand_off: HandOff | None = None
        # Set by the app: told when a flow reaches an end (the diary).
        self.on_end: OnEnd | None = None

    # --- entry points -------------------------------------------------------------------

    async def cramp(self, update: Update, context: Context) -> None:
        await self.start(update, context, "now")

    async def start(
        self, update: Update, context: Context, flow_id: str, message_id: int | None = None
    ) -> None:
        """Start a flow afresh: in place of `message_id`, or as a new message."""
        user_id, chat_id = self.ids(update)
        locale = self.locale(update)
        self.stop_timer(user_id)
        helpful = await self.services.storage.helpful_methods(user_id)
        state = locale.flows.start(flow_id, helpful)
        await self._show(context.bot, user_id, chat_id, message_id, locale, state, new=True)

    # --- buttons ------------------------------------------------------------------------

    async def press(self, update: Update, context: Context, parsed: Callback) -> None:
        query = update.callback_query
        if query is None:
            return
        user_id, chat_id = self.ids(update)
        locale = self.locale(update)
        engine = locale.flows
        flow, step, button = parsed.arg(0), parsed.arg(1), parsed.arg(2)
        arg = parsed.arg(3) or None
        message_id = self.pressed_message_id(update)

        if not engine.is_valid(flow, step):
            await self._stale(update, context, locale, flow if flow in engine.flows else "now")
            return
        if step == NEW:
            await answer_callback(context.bot, query.id)
            await self.start(update, context, flow, message_id)
            return

        stored = await self.services.storage.get_state(user_id)
        at = (stored.flow, stored.step, stored.message_id) if stored else None
        if stored is None or at != (flow, step, message_id):
            await self._out_of_step(update, context, locale, stored, flow)
            return
        await answer_callback(context.bot, query.id)
        self.stop_timer(user_id)

        state = FlowState.from_data(stored.flow, stored.step, stored.data)
        helpful: list[str] = []
        if button in STARTS_FLOW:
            helpful = await self.services.storage.helpful_methods(user_id)
        try:
            outcome = engine.press(state, button, arg, helpful)
        except FlowError as exc:
            log.info("refused flow press: %s", exc)
            await self._stale(update, context, locale, flow, answered=True)
            return
        now = self.services.now()
        if outcome.feedback is not None:
            method, result = outcome.feedback
            await self.services.storage.add_feedback(user_id, flow, method, result, now)
        if outcome.state is None:
            await self.services.storage.clear_state(user_id)
            if self.hand_off is not None and outcome.hand_off is not None:
                await self.hand_off(update, context, outcome.hand_off, message_id)
            return
        # The buttons that start a flow afresh restart its clock; every other press continues it.
        await self._show(
            context.bot, user_id, chat_id, message_id, locale, outcome.state,
            new=button in STARTS_FLOW,
        )  # fmt: skip
        end = flow_end(stored, state, button, outcome, now)
        if end is not None and self.on_end is not None:
            await self.on_end(update, context, end)

    async def _out_of_step(
        self,
        update: Update,
        context: Context,
        locale: Locale,
        stored: ConversationState | None,
        flow: str,
    ) -> None:
        """A press on a step the saved state is not at."""
        message_id = self.pressed_message_id(update)
        if stored is None or stored.message_id != message_id:
            await self._stale(update, context, locale, flow)
            return
        # Same message, another step: a double tap (or the screen got ahead of the saved
        # state in a crash). Show the saved step again; for a double tap that changes nothing
        # ("not modified").
        user_id, chat_id = self.ids(update)
        engine = locale.flows
        query = update.callback_query
        assert query is not None
        await answer_callback(context.bot, query.id, engine.texts.texts["already"])
        if stored.flow in engine.flows and engine.is_valid(stored.flow, stored.step):
            state = FlowState.from_data(stored.flow, stored.step, stored.data)
            await self._show(
                context.bot, user_id, chat_id, message_id, locale, state, new=False, timer=False
            )

    async def _stale(
        self, update: Update, context: Context, locale: Locale, flow: str, *, answered: bool = False
    ) -> None:
        query = update.callback_query
        _, chat_id = self.ids(update)
        if query is not None and not answered:
            await answer_callback(context.bot, query.id, locale.flows.texts.texts["stale"])
        screen = views.flow_restart_offer(locale.content, locale.flows, flow)
        await edit_or_send(context.bot, chat_id, None, screen)

    # --- showing a step and its countdown -----------------------------------------------

    async def _show(
        self,
        bot: ExtBot[None],
        user_id: int,
        chat_id: int,
        message_id: int | None,
        locale: Locale,
        state: FlowState,
        *,
        new: bool,
        timer: bool = True,
    ) -> None:
        step = locale.flows.step(state)
        seconds = step.timer if step and timer else 0
        screen = views.flow_screen(locale.content, locale.flows, state, seconds or None)
        shown = await edit_or_send(bot, chat_id, message_id, screen)
        await self.services.storage.save_state(
            user_id, state.flow, state.step, shown, self.services.now(), state.to_data(), new=new
        )
        if seconds:
            self._timers[user_id] = asyncio.create_task(
                self._countdown(bot, user_id, chat_id, shown, locale, state, seconds)
            )

    async def _countdown(
        self,
        bot: ExtBot[None],
        user_id: int,
        chat_id: int,
        message_id: int,
        locale: Locale,
        state: FlowState,
        seconds: int,
    ) -> None:
        """Edit the step's message as the hold time runs down, then ask "Has it eased?"."""
        remaining = seconds
        try:
            while remaining > 0:
                await self.services.sleep(min(TICK, remaining))
                remaining -= TICK
                stored = await self.services.storage.get_state(user_id)
                if stored is None:  # /cancel or /forget: the message stops counting, still
                    screen = views.flow_stopped(locale.content, locale.flows, state)
                    await edit(bot, chat_id, message_id, screen)
                    return
                if (stored.flow, stored.step, stored.message_id) != (
                    state.flow, state.step, message_id,
                ):  # fmt: skip
                    return  # the person moved on: their press shows the next step
                screen = views.flow_screen(
                    locale.content, locale.flows, state, remaining if remaining > 0 else None
                )
                if not await edit(bot, chat_id, message_id, screen):
                    return
        except asyncio.CancelledError:
            if self._stopping:  # the bot is stopping: leave the step still, its buttons live
                screen = views.flow_timer_paused(locale.content, locale.flows, state)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(edit(bot, chat_id, message_id, screen), STOP_EDIT)
            raise
        except TelegramError as exc:
            log.info("countdown stopped: %s", type(exc).__name__)
        except Exception:
            log.exception("countdown failed")
        finally:
            if self._timers.get(user_id) is asyncio.current_task():
                del self._timers[user_id]

    def stop_timer(self, user_id: int) -> None:
        task = self._timers.pop(user_id, None)
        if task is not None:
            task.cancel()

    async def stop_all(self) -> None:
        self._stopping = True
        tasks = list(self._timers.values())
        self._timers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
