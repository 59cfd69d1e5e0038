"""Reminders in the chat: a thin adapter between Telegram and the pure parts.

It reads the update, asks `SetupEngine` (set-up), `phrases` (a typed request) or `zones`
(a shared location), stores what they decide and shows the screen `screens` builds. The
set-up's draft lives in conversation_state (flow "rem"), so a restart mid-set-up loses
nothing, and a tap on an old set-up message is answered as out of date.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import Callback
from bot.content import Content
from bot.handlers.base import HandlerBase
from bot.handlers.telegram_io import answer_callback, edit_or_send
from bot.intents import FALLBACK, SMALLTALK
from bot.reminders import phrases, wording, zones
from bot.reminders import screens as rv
from bot.reminders.kinds import REMINDER_ACTS, SETUP_ACTS, Act, Family, Kind, Step
from bot.reminders.schedule import local_now, zone_from_name
from bot.reminders.setup import Context as SetupContext
from bot.reminders.setup import Draft, Effect, Outcome, SetupEngine, fire_utc
from bot.reminders.sweep import plan_reminder
from bot.routing import Route
from bot.services import Services
from bot.storage import ConversationState, Reminder
from bot.text_schema import uses

uses(__name__, "system.toml", "texts", "stale_button")
uses(__name__, "reminders.toml", "buttons", "cancel")  # the set-up's Cancel, typed
uses(
    __name__,
    "reminders.toml",
    "texts",  # toasts
    "stale paused resumed deleted undo_late done_ack snoozed(time) snooze_stopped",
)

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
FLOW = "rem"
SNOOZE_SECONDS = 600
DAY_SECONDS = 86_400
# A deleted reminder can be brought back for this long.
UNDO_SECONDS = 600
# Intents that are no answer of their own: typed text with these goes to the set-up.
NOT_OTHER = frozenset({FALLBACK, SMALLTALK, "reminders", "help"})
ZONE_STEPS = frozenset({Step.ZONE, Step.ZONE_PICK, Step.ZONE_OFFSET})
# Called after the rest of the bot answered a message that interrupted a set-up.
After = Callable[[Update, Context], Awaitable[None]]


class ReminderHandlers(HandlerBase):
    def __init__(self, services: Services) -> None:
        super().__init__(services)

    # --- helpers ------------------------------------------------------------------------

    def _content(self, update: Update) -> Content:
        return self.locale(update).content

    def _engine(self, update: Update) -> SetupEngine:
        return SetupEngine(phrases.vocabulary(self._content(update)))

    async def _ctx(self, user_id: int) -> SetupContext:
        user = await self.services.storage.get_user(user_id)
        return SetupContext(self.services.now(), user.time_zone if user else None)

    async def _current(self, user_id: int) -> list[Reminder]:
        """The person's reminders, without one-offs that have fired (those from before
        yesterday are deleted; newer ones stay hidden a while, for their Snooze)."""
        storage = self.services.storage
        yesterday = datetime.fromtimestamp(self.services.now() - DAY_SECONDS, UTC).date()
        reminders = await storage.reminders_of(user_id)
        before = yesterday.isoformat()
        if any(r.finished and r.once_date is not None and r.once_date < before for r in reminders):
            # Most lists have none: the delete (a write) runs only when there is one to make.
            await storage.purge_finished(user_id, before)
        return [r for r in reminders if not r.finished]

    # --- the list -----------------------------------------------------------------------

    async def command(self, update: Update, context: Context) -> None:
        await self.show_list(update, context, None)

    async def show_list(
        self,
        update: Update,
        context: Context,
        message_id: int | None,
        page: int = 0,
        *,
        note: str | None = None,
        undo: bool = False,
    ) -> None:
        user_id, chat_id = self.ids(update)
        ctx = await self._ctx(user_id)
        reminders = await self._current(user_id)
        screen = rv.reminder_list(self._content(update), reminders, ctx, page, note=note, undo=undo)
        await edit_or_send(context.bot, chat_id, message_id, screen)

    async def begin(
        self, update: Update, context: Context, kind: str | None, message_id: int | None
    ) -> None:
        """Start a set-up with buttons (the list's Add buttons and the flows' offers)."""
        user_id, chat_id = self.ids(update)
        if len(await self._current(user_id)) >= rv.MAX_PER_USER:
            await edit_or_send(
                context.bot, chat_id, message_id, rv.limit_reached(self._content(update))
            )
            return
        known = Kind(kind) if kind is not None and kind in Kind._value2member_map_ else None
        outcome = self._engine(update).start(known, await self._ctx(user_id))
        await self._apply(update, context, outcome, message_id)

    # --- applying what the engine decided -----------------------------------------------

    async def _apply(
        self, update: Update, context: Context, outcome: Outcome, message_id: int | None
    ) -> None:
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        if outcome.zone is not None:
            await self._set_zone(user_id, outcome.zone)
            if outcome.effect is not Effect.ZONE_SET:
                ctx = await self._ctx(user_id)
                await edit_or_send(
                    context.bot, chat_id, None, rv.zone_set(content, outcome.zone, ctx)
                )
                message_id = None  # the next step comes below the zone line
        if outcome.effect is Effect.CANCEL:
            await storage.clear_state(user_id)
            await self.show_list(update, context, message_id)
        elif outcome.effect is Effect.ZONE_SET:
            await storage.clear_state(user_id)
            note = rv.zone_changed_note(content, outcome.zone or "UTC")
            await self._zone_keyboard_off(update, context, outcome.zone or "UTC")
            await self.show_list(update, context, None, note=note)
        elif outcome.effect is Effect.SAVE:
            await self._save(update, context, outcome.draft, message_id)
        else:
            await self._show(update, context, outcome.draft, message_id, outcome.error)

    async def _zone_keyboard_off(self, update: Update, context: Context, zone: str) -> None:
        user_id, chat_id = self.ids(update)
        screen = rv.zone_set(self._content(update), zone, await self._ctx(user_id))
        await edit_or_send(context.bot, chat_id, None, screen)

    async def _show(
        self,
        update: Update,
        context: Context,
        draft: Draft,
        message_id: int | None,
        error: str | None = None,
    ) -> None:
        user_id, chat_id = self.ids(update)
        ctx = await self._ctx(user_id)
        screen = rv.setup(self._content(update), draft, ctx, error)
        shown = await edit_or_send(context.bot, chat_id, message_id, screen)
        await self.services.storage.save_state(
            user_id, FLOW, draft.step.value, shown, self.services.now(), draft.to_data(),
            new=message_id is None,
        )  # fmt: skip

    async def _set_zone(self, user_id: int, zone: str) -> None:
        """A new zone moves every active reminder to the same local time there."""
        storage = self.services.storage
        await storage.set_time_zone(user_id, zone)
        now = self.services.now()
        for reminder in await storage.reminders_of(user_id):
            if reminder.enabled:
                await storage.set_reminder_enabled(
                    reminder.id, user_id, enabled=True,
                    next_fire_utc=plan_reminder(reminder, zone, now), now=now,
                )  # fmt: skip

    async def _save(
        self, update: Update, context: Context, draft: Draft, message_id: int | None
    ) -> None:
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        ctx = await self._ctx(user_id)
        next_fire = fire_utc(draft, ctx)
        kind, time = draft.kind or Kind.BEDTIME, draft.time or "22:00"
        days = draft.days if draft.days is not None else 127
        lead = 0 if kind is Kind.BEDTIME else draft.lead or 0
        now = self.services.now()
        if draft.edit_id is not None:
            await storage.update_reminder(
                draft.edit_id, user_id, local_time=time, weekdays=days, lead_minutes=lead,
                once_date=draft.date, next_fire_utc=next_fire, now=now,
            )  # fmt: skip
            reminder_id, header = draft.edit_id, "changed_header"
        else:
            if len(await self._current(user_id)) >= rv.MAX_PER_USER:  # set up in two chats
                await storage.clear_state(user_id)
                await edit_or_send(context.bot, chat_id, message_id, rv.limit_reached(content))
                return
            reminder_id = await storage.add_reminder(
                user_id, kind.value, time, weekdays=days, lead_minutes=lead,
                once_date=draft.date, next_fire_utc=next_fire, now=now,
            )  # fmt: skip
            header = "saved_header"
        await self._show_card(update, context, reminder_id, message_id, header)

    async def _show_card(
        self,
        update: Update,
        context: Context,
        reminder_id: int,
        message_id: int | None,
        header: str = "card_header",
    ) -> None:
        """A reminder's own card; it waits for a typed new time, or a part to change."""
        user_id, chat_id = self.ids(update)
        storage = self.services.storage
        reminder = await storage.get_reminder(reminder_id)
        if reminder is None or reminder.user_id != user_id:
            await storage.clear_state(user_id)
            await self.show_list(update, context, message_id)
            return
        ctx = await self._ctx(user_id)
        screen = rv.card(self._content(update), reminder, ctx, header)
        shown = await edit_or_send(context.bot, chat_id, message_id, screen)
        draft = self._engine(update).card(
            reminder.id, Kind(reminder.kind), reminder.local_time, reminder.weekdays,
            reminder.lead_minutes, reminder.once_date,
        )  # fmt: skip
        await storage.save_state(
            user_id, FLOW, Step.CARD.value, shown, self.services.now(), draft.to_data()
        )

    # --- typed text ---------------------------------------------------------------------

    async def on_setup_text(
        self, update: Update, context: Context, state: ConversationState, route: Route
    ) -> bool | After:
        """Typed text while a reminder set-up (or a reminder's card) waits for it. True:
        handled. False: not ours. A callable: not ours, but a set-up was waiting, so after
        the rest of the bot has answered, the callable offers to carry on."""
        message = update.effective_message
        if message is None or not message.text or state.flow != FLOW or state.step == Step.UNDO:
            return False
        return await self._typed_in_setup(update, context, state, route, message.text)

    async def on_request(self, update: Update, context: Context, route: Route) -> bool:
        """A reminder asked for in one message; True: it was one, and is answered."""
        message = update.effective_message
        if message is None or not message.text:
            return False
        return await self._typed_request(update, context, message.text)

    async def _typed_in_setup(
        self, update: Update, context: Context, state: ConversationState, route: Route, text: str
    ) -> bool | After:
        user_id, _ = self.ids(update)
        content = self._content(update)
        draft = Draft.from_data(state.step, state.data)
        cancel = content.reminders.buttons["cancel"] if content.reminders else None
        if text.strip() == cancel:
            await self._apply(update, context, Outcome(draft, Effect.CANCEL), None)
            return True
        ctx = await self._ctx(user_id)
        vocabulary = phrases.vocabulary(content)
        if phrases.parse(text, vocabulary, ctx.local().date()).action is phrases.Action.STOP:
            await self.services.storage.clear_state(user_id)
            return await self._typed_request(update, context, text)
        building = self.services.zone_index
        if draft.step in ZONE_STEPS and building is not None and not zones.ready():
            # Right after a start the index may still be building: wait here, not in the
            # search itself, which would hold up every other chat.
            await asyncio.shield(building)
        other = route.intent not in NOT_OTHER
        outcome = self._engine(update).typed(draft, text, ctx, other=other)
        if outcome.effect is Effect.NOT_MINE:
            if draft.step is Step.CARD:  # the card was only open: the message is a new one
                await self.services.storage.clear_state(user_id)
                return await self._typed_request(update, context, text)

            async def offer(update: Update, context: Context) -> None:
                _, chat_id = self.ids(update)
                await edit_or_send(context.bot, chat_id, None, rv.setup_waiting(content, draft))

            return offer
        await self._apply(update, context, outcome, None)
        return True

    async def _typed_request(self, update: Update, context: Context, text: str) -> bool:
        """'swim reminder mon wed fri 7am 45 min before', 'stop my swim reminder'."""
        user_id, _ = self.ids(update)
        vocabulary = phrases.vocabulary(self._content(update))
        utc_today = datetime.fromtimestamp(self.services.now(), UTC).date()
        if not phrases.parse(text, vocabulary, utc_today).understood:
            return False  # most messages: no need to read the person's zone
        ctx = await self._ctx(user_id)
        request = phrases.parse(text, vocabulary, ctx.local().date())  # "tomorrow" is local
        if request.action is phrases.Action.STOP:
            await self._stop_request(update, context, request.kind, ctx)
            return True
        if request.action is not phrases.Action.CREATE:
            return False
        _, chat_id = self.ids(update)
        if len(await self._current(user_id)) >= rv.MAX_PER_USER:
            await edit_or_send(context.bot, chat_id, None, rv.limit_reached(self._content(update)))
            return True
        await self._apply(update, context, self._engine(update).from_request(request, ctx), None)
        return True

    async def _stop_request(
        self, update: Update, context: Context, family: Family | None, ctx: SetupContext
    ) -> None:
        user_id, chat_id = self.ids(update)
        storage = self.services.storage
        now = self.services.now()
        wanted = {
            None: set(Kind), Family.BEDTIME: {Kind.BEDTIME},
            Family.SWIM: {Kind.PRESWIM, Kind.SWIM_ONCE},
        }[family]  # fmt: skip
        paused = [r for r in await self._current(user_id) if r.enabled and r.kind in wanted]
        for reminder in paused:
            await storage.set_reminder_enabled(
                reminder.id, user_id, enabled=False, next_fire_utc=None, now=now, reason="paused"
            )
        await edit_or_send(
            context.bot, chat_id, None, rv.stopped(self._content(update), paused, ctx)
        )

    async def on_location(self, update: Update, context: Context) -> bool:
        """A shared location while the set-up asks for a zone (the 📍 button); False: not
        ours (no set-up is waiting for one)."""
        message = update.effective_message
        if message is None or message.location is None:
            return False
        user_id, _ = self.ids(update)
        state = await self.services.storage.get_state(user_id)
        if state is None or state.flow != FLOW or state.step not in ZONE_STEPS:
            return False
        draft = Draft.from_data(state.step, state.data)
        zone = zones.zone_at(message.location.latitude, message.location.longitude)
        outcome = self._engine(update).located(draft, zone, await self._ctx(user_id))
        await self._apply(update, context, outcome, None)
        return True

    # --- buttons ------------------------------------------------------------------------

    async def press(self, update: Update, context: Context, parsed: Callback) -> None:
        query = update.callback_query
        if query is None:
            return
        action = parsed.arg(0)
        if action not in Act._value2member_map_:
            await answer_callback(context.bot, query.id)
            await self.show_list(update, context, self.pressed_message_id(update))
            return
        act = Act(action)
        if act in SETUP_ACTS or act is Act.CANCEL:
            await self._setup_press(update, context, act, parsed)
        elif act in REMINDER_ACTS:
            await self._reminder_press(update, context, act, parsed)
        else:
            await answer_callback(context.bot, query.id)
            await self._list_press(update, context, act, parsed)

    async def _setup_press(
        self, update: Update, context: Context, act: Act, parsed: Callback
    ) -> None:
        query = update.callback_query
        assert query is not None
        user_id, _ = self.ids(update)
        content = self._content(update)
        message_id = self.pressed_message_id(update)
        state = await self.services.storage.get_state(user_id)
        if state is None or state.flow != FLOW or state.message_id != message_id:
            await answer_callback(context.bot, query.id, content.text("stale_button"))
            if act is not Act.CANCEL:
                await self.show_list(update, context, None)
            else:
                await self.show_list(update, context, message_id)
            return
        draft = Draft.from_data(state.step, state.data)
        outcome = self._engine(update).press(draft, act, parsed.arg(1), await self._ctx(user_id))
        await answer_callback(
            context.bot, query.id, rv.toast(content, outcome.toast) if outcome.toast else None
        )
        await self._apply(update, context, outcome, message_id)

    async def _list_press(
        self, update: Update, context: Context, act: Act, parsed: Callback
    ) -> None:
        user_id, _ = self.ids(update)
        message_id = self.pressed_message_id(update)
        storage = self.services.storage
        if act is Act.LIST:
            await storage.clear_state(user_id)
            await self.show_list(update, context, message_id)
        elif act is Act.PAGE:  # also "My reminders" on a card: the card is left
            await storage.clear_state(user_id)
            page = parsed.int_arg(1) or 0
            await self.show_list(update, context, message_id, min(page, 10_000))
        elif act is Act.ADD:
            await self.begin(update, context, parsed.arg(1), message_id)
        elif act is Act.ZONE:
            outcome = self._engine(update).change_zone(await self._ctx(user_id))
            await self._apply(update, context, outcome, message_id)
        elif act is Act.CONTINUE:
            await self._continue(update, context, parsed)
        elif act is Act.UNDO:
            await self._undo(update, context, message_id)
        elif act is Act.RESUME_ALL:
            await self._resume_blocked(update, context, message_id)
        else:  # KEEP_PAUSED, or anything else: the list
            await self.show_list(update, context, message_id)

    async def _continue(self, update: Update, context: Context, parsed: Callback) -> None:
        """ "Continue setting up your reminder": the draft came back in the button."""
        draft = Draft.unpack(parsed.arg(1), parsed.int_arg(2))
        if draft is None:
            await self.show_list(update, context, self.pressed_message_id(update))
            return
        await self._show(update, context, draft, self.pressed_message_id(update))

    # --- a reminder's own buttons -------------------------------------------------------

    async def _reminder_press(
        self, update: Update, context: Context, act: Act, parsed: Callback
    ) -> None:
        query = update.callback_query
        assert query is not None
        user_id, _ = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        reminder_id = parsed.int_arg(1)
        reminder = await storage.get_reminder(reminder_id) if reminder_id is not None else None
        if reminder is None or reminder.user_id != user_id:
            await answer_callback(context.bot, query.id, rv.toast(content, "stale"))
            if act not in (Act.DONE, Act.SNOOZE, Act.STOP):
                await self.show_list(update, context, self.pressed_message_id(update))
            return
        handler = {
            Act.CARD: self._open_card, Act.PAUSE: self._pause, Act.RESUME: self._resume,
            Act.DELETE: self._delete, Act.DONE: self._done, Act.SNOOZE: self._snooze,
            Act.STOP: self._stop,
        }[act]  # fmt: skip
        await handler(update, context, reminder)

    async def _open_card(self, update: Update, context: Context, reminder: Reminder) -> None:
        assert update.callback_query is not None
        await answer_callback(context.bot, update.callback_query.id)
        await self._show_card(update, context, reminder.id, self.pressed_message_id(update))

    async def _pause(self, update: Update, context: Context, reminder: Reminder) -> None:
        user_id, _ = self.ids(update)
        await self.services.storage.set_reminder_enabled(
            reminder.id, user_id, enabled=False, next_fire_utc=None, now=self.services.now(),
            reason="paused",
        )  # fmt: skip
        await self._toast(update, context, "paused", card=reminder.id)

    async def _resume(self, update: Update, context: Context, reminder: Reminder) -> None:
        """Resume from a card, or from a paused reminder message (which stays as it is)."""
        user_id, _ = self.ids(update)
        ctx = await self._ctx(user_id)
        await self.services.storage.set_reminder_enabled(
            reminder.id, user_id, enabled=True,
            next_fire_utc=plan_reminder(reminder, ctx.zone, ctx.now_utc), now=ctx.now_utc,
        )  # fmt: skip
        await self._toast(update, context, "resumed", card=reminder.id)

    async def _toast(
        self, update: Update, context: Context, key: str, *, card: int | None = None
    ) -> None:
        """Answer the press with toast `key`; then show reminder `card`'s card in place."""
        assert update.callback_query is not None
        await answer_callback(
            context.bot, update.callback_query.id, rv.toast(self._content(update), key)
        )
        if card is not None:
            await self._show_card(update, context, card, self.pressed_message_id(update))

    async def _delete(self, update: Update, context: Context, reminder: Reminder) -> None:
        """Delete, with Undo for UNDO_SECONDS: the reminder is kept in the person's state."""
        user_id, _ = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        ctx = await self._ctx(user_id)
        await storage.delete_reminder(reminder.id, user_id)
        await self._toast(update, context, "deleted")
        message_id = self.pressed_message_id(update)
        reminders = await self._current(user_id)
        note = rv.deleted_note(content, reminder, ctx)
        screen = rv.reminder_list(content, reminders, ctx, note=note, undo=True)
        _, chat_id = self.ids(update)
        shown = await edit_or_send(context.bot, chat_id, message_id, screen)
        snapshot = {
            "kind": reminder.kind, "time": reminder.local_time, "days": reminder.weekdays,
            "lead": reminder.lead_minutes, "date": reminder.once_date,
            "enabled": reminder.enabled, "deleted_utc": ctx.now_utc,
        }  # fmt: skip
        await storage.save_state(user_id, FLOW, Step.UNDO.value, shown, ctx.now_utc, snapshot)

    async def _undo(self, update: Update, context: Context, message_id: int | None) -> None:
        user_id, _ = self.ids(update)
        storage = self.services.storage
        content = self._content(update)
        state = await storage.get_state(user_id)
        ctx = await self._ctx(user_id)
        fresh = (
            state is not None
            and state.flow == FLOW
            and state.step == Step.UNDO
            and state.message_id == message_id
            and ctx.now_utc - int(state.data.get("deleted_utc", 0)) <= UNDO_SECONDS
        )
        if not fresh or state is None:
            await storage.clear_state(user_id)
            await self.show_list(update, context, message_id, note=rv.toast(content, "undo_late"))
            return
        data = state.data
        kind = str(data.get("kind", Kind.BEDTIME))
        once = data.get("date")
        back = Reminder(
            0, user_id, kind, str(data.get("time", "22:00")), int(data.get("days", 127)),
            int(data.get("lead", 0)), str(once) if once else None, True, None, None,
        )  # fmt: skip
        next_fire = plan_reminder(back, ctx.zone, ctx.now_utc)
        new_id = await storage.add_reminder(
            user_id, back.kind, back.local_time, weekdays=back.weekdays,
            lead_minutes=back.lead_minutes, once_date=back.once_date, next_fire_utc=next_fire,
            now=ctx.now_utc,
        )  # fmt: skip
        if data.get("enabled") is False:
            await storage.set_reminder_enabled(
                new_id, user_id, enabled=False, next_fire_utc=None, now=ctx.now_utc,
                reason="paused",
            )  # fmt: skip
        await storage.clear_state(user_id)
        await self.show_list(update, context, message_id, note=rv.restored_note(content, back, ctx))

    async def _done(self, update: Update, context: Context, reminder: Reminder) -> None:
        assert update.callback_query is not None
        content = self._content(update)
        await answer_callback(context.bot, update.callback_query.id, rv.toast(content, "done_ack"))
        await self._answer_in_place(update, context, "done_note")

    async def _snooze(self, update: Update, context: Context, reminder: Reminder) -> None:
        assert update.callback_query is not None
        query_id = update.callback_query.id
        content = self._content(update)
        if not reminder.enabled:  # stopped (or paused) since this message was sent
            await answer_callback(context.bot, query_id, rv.toast(content, "snooze_stopped"))
            await self._answer_in_place(update, context, "stopped_note", reminder.id)
            return
        user_id, _ = self.ids(update)
        now = self.services.now()
        # One snooze per reminder message: a double tap queues nothing more.
        await self.services.storage.queue_delivery(
            reminder.id, now + SNOOZE_SECONDS, snooze_of=self.pressed_message_id(update) or 0
        )
        ctx = await self._ctx(user_id)
        until = local_now(zone_from_name(ctx.zone or "UTC"), now + SNOOZE_SECONDS)
        time = wording.moment(rv.texts_of(content).babel_locale, until, wording.Form.TIME)
        await answer_callback(context.bot, query_id, rv.toast(content, "snoozed", time=time))
        await self._answer_in_place(update, context, "snoozed_note", time=time)

    async def _stop(self, update: Update, context: Context, reminder: Reminder) -> None:
        assert update.callback_query is not None
        user_id, _ = self.ids(update)
        await self.services.storage.set_reminder_enabled(
            reminder.id, user_id, enabled=False, next_fire_utc=None, now=self.services.now(),
            reason="stopped",
        )  # fmt: skip
        await answer_callback(context.bot, update.callback_query.id)
        await self._answer_in_place(update, context, "stopped_note", reminder.id)

    async def _answer_in_place(
        self,
        update: Update,
        context: Context,
        note: str,
        resume_id: int | None = None,
        **values: str,
    ) -> None:
        """The reminder stays in the chat as a routine to follow, with a line under it saying
        what the press did; its Done / Snooze / Pause buttons go."""
        query = update.callback_query
        if query is None or query.message is None:
            return
        message = query.message
        text = getattr(message, "text_html", None) or ""
        if text:
            _, chat_id = self.ids(update)
            screen = rv.answered(self._content(update), text, note, resume_id, **values)
            await edit_or_send(context.bot, chat_id, message.message_id, screen)

    # --- after a block ------------------------------------------------------------------

    async def offer_resume(self, update: Update, context: Context) -> None:
        """After /start from someone whose reminders were paused by a 403: offer them back."""
        user_id, chat_id = self.ids(update)
        storage = self.services.storage
        user = await storage.get_user(user_id)
        if user is None or user.blocked_utc is None:
            return
        await storage.clear_blocked(user_id)
        paused = [r for r in await storage.reminders_of(user_id) if r.disabled_reason == "blocked"]
        if paused:
            await edit_or_send(context.bot, chat_id, None, rv.resume_offer(self._content(update)))

    async def _resume_blocked(
        self, update: Update, context: Context, message_id: int | None
    ) -> None:
        user_id, _ = self.ids(update)
        storage = self.services.storage
        ctx = await self._ctx(user_id)
        for reminder in await storage.reminders_of(user_id):
            if reminder.disabled_reason == "blocked":
                await storage.set_reminder_enabled(
                    reminder.id, user_id, enabled=True,
                    next_fire_utc=plan_reminder(reminder, ctx.zone, ctx.now_utc), now=ctx.now_utc,
                )  # fmt: skip
        await self.show_list(update, context, message_id)
