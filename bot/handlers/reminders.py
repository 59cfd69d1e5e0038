"""Reminders in the chat: the list, set-up by buttons (typed times and places accepted), and
the Done / Snooze / Stop buttons on each reminder message.

The set-up keeps its draft in conversation_state (flow "rem"), so a restart mid-set-up loses
nothing, and a tap on an old set-up message is answered as out of date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot import reminder_views as rv
from bot import views
from bot.callbacks import Callback
from bot.content import Content
from bot.handlers.base import HandlerBase
from bot.handlers.telegram_io import answer_callback, edit_or_send
from bot.reminders import parse_hhmm, plan_next, plan_reminder
from bot.schedule import (
    format_time,
    local_now,
    parse_time,
    resolve_zone,
    shift_time,
    zone_from_name,
)
from bot.services import Services
from bot.storage import ConversationState, Reminder
from bot.text_schema import uses

uses(__name__, "system.toml", "texts", "stale_button")
uses(
    __name__, "reminders.toml", "texts",  # toasts; notes and errors shown by reminder_views
    """stale paused resumed deleted done_ack snoozed snooze_stopped no_days bad_time once_past
    done_note stopped_note snoozed_note(time)""",
)  # fmt: skip

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
FLOW = "rem"
SNOOZE_SECONDS = 600
DAY_SECONDS = 86_400
# Set-up steps that read typed text ("tzok": another place typed at "Is your time zone X?"
# is a new search).
TEXT_STEPS = frozenset({"tz", "tzok", "time"})
# Callback actions that belong to a set-up in progress (checked against the saved draft).
SETUP_ACTIONS = frozenset({"tzy", "tzn", "t", "adj", "ok", "day", "days", "lead"})


class ReminderHandlers(HandlerBase):
    def __init__(self, services: Services) -> None:
        super().__init__(services)

    # --- entry points -------------------------------------------------------------------

    async def command(self, update: Update, context: Context) -> None:
        await self.show_list(update, context, None)

    async def show_list(
        self,
        update: Update,
        context: Context,
        message_id: int | None,
        page: int = 0,
        *,
        zone_changed: bool = False,
    ) -> None:
        user_id, chat_id = self.ids(update)
        storage = self.services.storage
        reminders = await self._current(user_id)
        user = await storage.get_user(user_id)
        zone = user.time_zone if user else None
        content = self.locale(update).content
        screen = rv.reminder_list(content, reminders, zone, page, zone_changed=zone_changed)
        await edit_or_send(context.bot, chat_id, message_id, screen)

    async def _current(self, user_id: int) -> list[Reminder]:
        """The user's reminders, without one-offs that have fired (those from before
        yesterday are deleted; newer ones stay hidden a while, for their Snooze)."""
        storage = self.services.storage
        yesterday = datetime.fromtimestamp(self.services.now() - DAY_SECONDS, UTC).date()
        await storage.purge_finished(user_id, yesterday.isoformat())
        return [r for r in await storage.reminders_of(user_id) if not r.finished]

    async def begin(
        self, update: Update, context: Context, kind: str, message_id: int | None
    ) -> None:
        """Start setting up a reminder of `kind` (the flows' end-of-flow offers land here)."""
        user_id, chat_id = self.ids(update)
        if len(await self._current(user_id)) >= rv.MAX_PER_USER:
            screen = rv.limit_reached(self._content(update))
            await edit_or_send(context.bot, chat_id, message_id, screen)
            return
        draft = rv.Draft(kind=kind, time=rv.DEFAULT_TIME[kind])
        await self._next_setup_step(update, context, draft, message_id)

    async def _next_setup_step(
        self, update: Update, context: Context, draft: rv.Draft, message_id: int | None
    ) -> None:
        user_id, _ = self.ids(update)
        user = await self.services.storage.get_user(user_id)
        if user is None or not user.time_zone:
            await self._show_step(
                update, context, "tz", draft, message_id, rv.ask_zone(self._content(update))
            )
        else:
            await self._show_step(
                update,
                context,
                "time",
                draft,
                message_id,
                rv.time_picker(self._content(update), draft),
            )

    def _content(self, update: Update) -> Content:
        return self.locale(update).content

    async def _show_step(
        self,
        update: Update,
        context: Context,
        step: str,
        draft: rv.Draft,
        message_id: int | None,
        screen: views.Screen,
        extra: dict[str, Any] | None = None,
    ) -> None:
        user_id, chat_id = self.ids(update)
        shown = await edit_or_send(context.bot, chat_id, message_id, screen)
        data = {**draft.to_data(), **(extra or {})}
        await self.services.storage.save_state(
            user_id, FLOW, step, shown, self.services.now(), data, new=step == "tz"
        )

    # --- typed text during set-up -------------------------------------------------------

    async def on_text(self, update: Update, context: Context, state: ConversationState) -> bool:
        """Handle typed text if a set-up step is waiting for it; False: not ours."""
        message = update.effective_message
        if (
            state.flow != FLOW
            or state.step not in TEXT_STEPS
            or message is None
            or not message.text
        ):
            return False
        content = self._content(update)
        draft = rv.Draft.from_data(state.data)
        text = message.text
        if state.step in ("tz", "tzok"):
            # Where to go after the zone is confirmed survives failed and repeated searches:
            # changing the zone from the list must not turn into a bedtime set-up.
            after_zone = {"after_zone": state.data.get("after_zone", "setup")}
            matches = resolve_zone(text)
            if not matches:
                await self._show_step(
                    update, context, "tz", draft, None, rv.ask_zone(content, error=True),
                    after_zone,
                )  # fmt: skip
                return True
            zone = matches[0]
            here = local_now(zone_from_name(zone.name), self.services.now()).strftime("%H:%M")
            await self._show_step(
                update, context, "tzok", draft, None, rv.confirm_zone(content, zone.label, here),
                {"zone": zone.name, **after_zone},
            )  # fmt: skip
            return True
        parsed = parse_time(text)
        if parsed is None:
            screen = rv.time_picker(content, draft, error="bad_time")
        else:
            draft = rv.Draft(
                draft.kind, format_time(*parsed), draft.days, draft.lead, draft.edit_id
            )
            screen = rv.time_picker(content, draft)
        await self._show_step(update, context, "time", draft, None, screen)
        return True

    # --- buttons ------------------------------------------------------------------------

    async def press(self, update: Update, context: Context, parsed: Callback) -> None:
        query = update.callback_query
        if query is None:
            return
        user_id, _ = self.ids(update)
        content = self._content(update)
        action = parsed.arg(0)
        message_id = self.pressed_message_id(update)
        storage = self.services.storage

        if action in SETUP_ACTIONS:
            state = await storage.get_state(user_id)
            if state is None or state.flow != FLOW or state.message_id != message_id:
                await answer_callback(context.bot, query.id, content.text("stale_button"))
                await self.show_list(update, context, None)
                return
            await answer_callback(context.bot, query.id)
            await self._setup_press(update, context, state, parsed)
            return

        if action in ("p", "u", "e", "d", "done", "snz", "stop"):
            await self._reminder_press(update, context, parsed)
            return

        await answer_callback(context.bot, query.id)
        if action == "list":
            await storage.clear_state(user_id)
            await self.show_list(update, context, message_id)
        elif action == "pg":
            page = parsed.int_arg(1) or 0
            await self.show_list(update, context, message_id, min(page, 10_000))
        elif action == "add" and parsed.arg(1) in rv.PRESETS:
            await self.begin(update, context, parsed.arg(1), message_id)
        elif action == "tz":
            draft = rv.Draft(kind="bedtime", time=rv.DEFAULT_TIME["bedtime"])
            await self._show_step(
                update,
                context,
                "tz",
                draft,
                message_id,
                rv.ask_zone(content, change=True),
                {"after_zone": "list"},
            )
        elif action == "x":
            await storage.clear_state(user_id)
            await self.show_list(update, context, message_id)
        elif action == "ra":
            await self._resume_blocked(update, context, message_id)
        else:  # "rk" (keep paused), or anything unknown: the list
            await self.show_list(update, context, message_id)

    async def _setup_press(
        self, update: Update, context: Context, state: ConversationState, parsed: Callback
    ) -> None:
        user_id, _ = self.ids(update)
        content = self._content(update)
        action, arg = parsed.arg(0), parsed.arg(1)
        draft = rv.Draft.from_data(state.data)
        message_id = state.message_id
        storage = self.services.storage

        if action == "tzy" and state.step == "tzok":
            zone = str(state.data.get("zone", ""))
            try:
                zone_from_name(zone)
            except ValueError:
                await self._show_step(
                    update, context, "tz", draft, message_id, rv.ask_zone(content, True),
                    {"after_zone": state.data.get("after_zone", "setup")},
                )  # fmt: skip
                return
            await storage.set_time_zone(user_id, zone)
            # A new zone moves every active reminder to the same local time there.
            await self._replan(user_id, zone, lambda r: r.enabled)
            if state.data.get("after_zone") == "list":
                await storage.clear_state(user_id)
                await self.show_list(update, context, message_id, zone_changed=True)
            else:
                await self._show_step(
                    update, context, "time", draft, message_id, rv.time_picker(content, draft)
                )
        elif action == "tzn" and state.step == "tzok":
            await self._show_step(
                update, context, "tz", draft, message_id, rv.ask_zone(content),
                {"after_zone": state.data.get("after_zone", "setup")},
            )  # fmt: skip
        elif action in ("t", "adj") and state.step == "time":
            if action == "t" and len(arg) == 4 and arg.isdigit():
                hour, minute = int(arg[:2]), int(arg[2:])
            else:
                delta = 15 if arg == "+15" else -15
                hour, minute = shift_time(*parse_hhmm(draft.time), delta)
            if not (0 <= hour < 24 and 0 <= minute < 60):
                return
            draft = rv.Draft(
                draft.kind, format_time(hour, minute), draft.days, draft.lead, draft.edit_id
            )
            await self._show_step(
                update, context, "time", draft, message_id, rv.time_picker(content, draft)
            )
        elif action == "ok" and state.step == "time":
            if draft.kind == "preswim":
                await self._show_step(
                    update, context, "days", draft, message_id, rv.day_picker(content, draft)
                )
            elif draft.kind == "swim_once":
                await self._show_step(
                    update, context, "lead", draft, message_id, rv.lead_picker(content)
                )
            else:
                await self._save(update, context, draft, message_id)
        elif action == "day" and state.step == "days" and arg.isdigit() and int(arg) < 7:
            draft = rv.Draft(
                draft.kind, draft.time, draft.days ^ (1 << int(arg)), draft.lead, draft.edit_id
            )
            await self._show_step(
                update, context, "days", draft, message_id, rv.day_picker(content, draft)
            )
        elif action == "days" and state.step == "days":
            if not draft.days:
                query = update.callback_query
                if query is not None:
                    await answer_callback(context.bot, query.id, rv.toast(content, "no_days"))
                return
            await self._show_step(
                update, context, "lead", draft, message_id, rv.lead_picker(content)
            )
        elif action == "lead" and state.step == "lead" and arg in {str(n) for n in rv.LEADS}:
            draft = rv.Draft(draft.kind, draft.time, draft.days, int(arg), draft.edit_id)
            await self._save(update, context, draft, message_id)
        else:
            await self.show_list(update, context, None)

    async def _save(
        self, update: Update, context: Context, draft: rv.Draft, message_id: int | None
    ) -> None:
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        user = await storage.get_user(user_id)
        zone_name = user.time_zone if user and user.time_zone else "UTC"
        now = self.services.now()
        once_date = None
        if draft.kind == "swim_once":
            once_date = local_now(zone_from_name(zone_name), now).date().isoformat()
        lead = draft.lead if draft.kind != "bedtime" else 0  # bedtime is the time itself
        next_fire = plan_next(draft.kind, draft.time, draft.days, lead, once_date, zone_name, now)
        if next_fire is None:
            await self._show_step(
                update, context, "time", draft, message_id,
                rv.time_picker(content, draft, error="once_past"),
            )  # fmt: skip
            return
        if draft.edit_id is not None:
            await storage.update_reminder(
                draft.edit_id, user_id, local_time=draft.time, weekdays=draft.days,
                lead_minutes=lead, once_date=once_date, next_fire_utc=next_fire, now=now,
            )  # fmt: skip
        else:
            if len(await self._current(user_id)) >= rv.MAX_PER_USER:  # set up in two chats
                await storage.clear_state(user_id)
                await edit_or_send(context.bot, chat_id, message_id, rv.limit_reached(content))
                return
            await storage.add_reminder(
                user_id, draft.kind, draft.time, weekdays=draft.days, lead_minutes=lead,
                once_date=once_date, next_fire_utc=next_fire, now=now,
            )  # fmt: skip
        await storage.clear_state(user_id)
        await edit_or_send(context.bot, chat_id, message_id, rv.saved(content, draft, zone_name))

    async def _replan(
        self, user_id: int, zone: str | None, which: Callable[[Reminder], bool]
    ) -> None:
        """Turn on the reminders `which` picks, each at its next time in `zone`."""
        storage = self.services.storage
        now = self.services.now()
        for reminder in await storage.reminders_of(user_id):
            if which(reminder):
                await storage.set_reminder_enabled(
                    reminder.id, user_id, enabled=True,
                    next_fire_utc=plan_reminder(reminder, zone, now), now=now,
                )  # fmt: skip

    # --- a reminder's own buttons -------------------------------------------------------

    async def _reminder_press(self, update: Update, context: Context, parsed: Callback) -> None:
        query = update.callback_query
        assert query is not None
        user_id, _ = self.ids(update)
        content = self._content(update)
        texts = content.reminders
        assert texts is not None
        storage = self.services.storage
        action = parsed.arg(0)
        reminder_id = parsed.int_arg(1)
        reminder = await storage.get_reminder(reminder_id) if reminder_id is not None else None
        message_id = self.pressed_message_id(update)
        if reminder is None or reminder.user_id != user_id:
            await answer_callback(context.bot, query.id, texts.texts["stale"])
            if action not in ("done", "snz", "stop"):
                await self.show_list(update, context, message_id)
            return
        now = self.services.now()
        if action == "p":
            await storage.set_reminder_enabled(
                reminder.id, user_id, enabled=False, next_fire_utc=None, now=now, reason="paused"
            )
            await answer_callback(context.bot, query.id, texts.texts["paused"])
            await self.show_list(update, context, message_id)
        elif action == "u":
            user = await storage.get_user(user_id)
            zone = user.time_zone if user else None
            await storage.set_reminder_enabled(
                reminder.id, user_id, enabled=True,
                next_fire_utc=plan_reminder(reminder, zone, now), now=now,
            )  # fmt: skip
            await answer_callback(context.bot, query.id, texts.texts["resumed"])
            await self.show_list(update, context, message_id)
        elif action == "d":
            await storage.delete_reminder(reminder.id, user_id)
            await answer_callback(context.bot, query.id, texts.texts["deleted"])
            await self.show_list(update, context, message_id)
        elif action == "e":
            await answer_callback(context.bot, query.id)
            draft = rv.Draft(
                reminder.kind, reminder.local_time, reminder.weekdays,
                reminder.lead_minutes or 30, reminder.id,
            )  # fmt: skip
            await self._next_setup_step(update, context, draft, message_id)
        elif action == "done":
            await answer_callback(context.bot, query.id, texts.texts["done_ack"])
            await self._answer_in_place(update, context, "done_note")
        elif action == "snz":
            if not reminder.enabled:  # stopped (or paused) since this message was sent
                await answer_callback(context.bot, query.id, texts.texts["snooze_stopped"])
                await self._answer_in_place(update, context, "stopped_note", reminder.id)
                return
            # One snooze per reminder message: a double tap queues nothing more.
            await storage.queue_delivery(
                reminder.id, now + SNOOZE_SECONDS, snooze_of=message_id or 0
            )
            await answer_callback(context.bot, query.id, texts.texts["snoozed"])
            user = await storage.get_user(user_id)
            until = local_now(
                zone_from_name(user.time_zone) if user and user.time_zone else UTC,
                now + SNOOZE_SECONDS,
            )
            await self._answer_in_place(update, context, "snoozed_note", time=f"{until:%H:%M}")
        elif action == "stop":
            await storage.set_reminder_enabled(
                reminder.id, user_id, enabled=False, next_fire_utc=None, now=now, reason="stopped"
            )
            await answer_callback(context.bot, query.id)
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
        user = await self.services.storage.get_user(user_id)
        zone = user.time_zone if user else None
        await self._replan(user_id, zone, lambda r: r.disabled_reason == "blocked")
        await self.show_list(update, context, message_id)
