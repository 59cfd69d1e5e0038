"""The cramp diary in the chat: consent, /diary, past cramps, change and delete, sharing with a
doctor, medicines to note, the weekly note's switch and /diary off.

Thin: the figures, the doctor rule and the screens are pure (bot/diary/); drawing runs in the
drawing thread (bot/diary/chart.py), never on the event loop. Nothing is stored before the
person says Yes: the cramp that ended a relief flow rides in the Yes button's data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import Callback, cb
from bot.content import Content
from bot.diary import doctor, export
from bot.diary import screens as ds
from bot.diary.chart import off_loop, render, warm_up
from bot.diary.entries import PLACES, Entry, local_time, place_for_flow, stretch_night
from bot.diary.parse import clears_medicines, is_past_cramp, parse_past
from bot.diary.summary import WINDOW_DAYS, Summary, summarise
from bot.diary.weekly import next_weekly_utc
from bot.handlers.base import HandlerBase
from bot.handlers.flows import FlowEnd
from bot.handlers.telegram_io import (
    answer_callback,
    edit_markup,
    edit_or_send,
    send,
    send_document,
    send_photo,
)
from bot.reminders.schedule import local_now, zone_from_name
from bot.routing import Route
from bot.services import Services
from bot.storage import ConversationState, DiarySettings, NewEntry, StorageError, WeeklyDue
from bot.telegram_html import escape
from bot.text_schema import uses
from bot.views import Button, Screen

uses(
    __name__,
    "diary.toml",
    "texts",
    "consent_yes consent_yes_plain consent_no chart_failed past_cancelled "
    "past_future past_no_diary nothing deleted_toast changed_toast stale_toast "
    "share_caption_pdf share_caption_csv share_empty medicines_ask "
    "medicines_saved(medicines) medicines_cleared medicines_too_long off_deleted "
    "off_kept already_off restarted weekly_on_toast weekly_off_toast ",
)

# The answers that empty the medicines list ("none", "нет", "无"), in each language's words.
uses(__name__, "diary.toml", "medicines", "clear")

uses(
    __name__,
    "diary.toml",
    "buttons",
    "no add medicines keep diary ",
)

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
FLOW = "diary"  # conversation_state.flow while the diary waits for typed medicines
MEDICINES_STEP = "medicines"
MAX_MEDICINES = 300
# A relief flow that ends within this long of an entry from another flow run (the swim flow's
# "Still cramping" starts the bed flow) is the same cramp: one entry.
MERGE_SECONDS = 30 * 60
# Entries read for /diary: the window plus the week before (for "this week vs last").
READ_DAYS = WINDOW_DAYS + 1


class DiaryAction(StrEnum):
    """What a diary button does: the first argument of its callback data (bot/diary/screens.py
    writes these codes into the buttons)."""

    YES = "y"  # consent: Yes [, the draft entry that asked]
    NO = "n"
    WHAT_IS_STORED = "w"
    DELETE_ALL = "del"  # after /diary off
    KEEP_ALL = "keep"
    SHOW = "show"
    ADD = "add"
    DAY = "day"  # a past cramp: which day
    PAST_TIME = "pt"  # a past cramp's draft, another time
    SAVE = "sv"
    CANCEL = "px"
    EDIT_LIST = "ed"
    ENTRY = "e"  # one entry: show it, then earlier, later, place, severe, delete
    EARLIER = "ee"
    LATER = "el"
    PLACE = "ep"
    SEVERE = "es"
    DELETE_ENTRY = "ex"
    SHARE = "sh"
    MEDICINES = "md"
    WEEKLY = "wk"
    OFF = "off"


ENTRY_ACTIONS = frozenset({
    DiaryAction.ENTRY, DiaryAction.EARLIER, DiaryAction.LATER, DiaryAction.PLACE,
    DiaryAction.SEVERE, DiaryAction.DELETE_ENTRY,
})  # fmt: skip


@dataclass(frozen=True)
class _Press:
    """One diary button press, read once: what the handler of each button needs."""

    update: Update
    context: Context
    query_id: str
    user_id: int
    chat_id: int
    content: Content
    parsed: Callback
    message_id: int | None  # the pressed message
    settings: DiarySettings | None
    now: int

    @property
    def args(self) -> tuple[str, ...]:
        """The arguments after the action (a draft entry's fields)."""
        return self.parsed.args[1:]

    @property
    def on(self) -> bool:
        return self.settings is not None and self.settings.status == "on"


Press = Callable[[_Press], Awaitable[None]]


class DiaryHandlers(HandlerBase):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        a = DiaryAction
        # The buttons that work whatever the diary's state, and those that need it on.
        self._any_time: dict[str, Press] = {
            a.YES: self._yes, a.NO: self._no, a.WHAT_IS_STORED: self._what_is_stored,
            a.DELETE_ALL: self._after_off, a.KEEP_ALL: self._after_off,
        }  # fmt: skip
        self._when_on: dict[str, Press] = {
            a.SHOW: self._show_month, a.ADD: self._pick_day, a.DAY: self._day,
            a.PAST_TIME: self._past, a.SAVE: self._past, a.CANCEL: self._cancel_past,
            a.EDIT_LIST: self._edit_list, a.SHARE: self._share, a.MEDICINES: self._ask_medicines,
            a.WEEKLY: self._weekly, a.OFF: self._off_button,
        }  # fmt: skip

    # --- helpers ------------------------------------------------------------------------

    def _content(self, update: Update) -> Content:
        return self.locale(update).content

    async def _zone(self, user_id: int) -> str:
        user = await self.services.storage.get_user(user_id)
        return user.time_zone if user and user.time_zone else "UTC"

    def _local_now(self, zone: str) -> datetime:
        return local_now(zone_from_name(zone), self.services.now())

    async def _settings(self, user_id: int) -> DiarySettings | None:
        return await self.services.storage.diary_settings(user_id)

    async def _is_on(self, user_id: int) -> bool:
        settings = await self._settings(user_id)
        return settings is not None and settings.status == "on"

    async def _save(self, user_id: int, draft: ds.Draft, source: str, zone: str) -> int:
        return await self.services.storage.add_diary_entry(
            user_id,
            NewEntry(
                occurred_utc=draft.utc, zone=zone, place=draft.place, tried=draft.tried,
                helped=draft.helped, minutes_to_ease=draft.minutes, severe=draft.severe,
                source=source, side=draft.side, muscle=draft.muscle,
            ),
            self.services.now(),
            merge_after=draft.utc - MERGE_SECONDS if source == "flow" else None,
        )  # fmt: skip

    # --- a relief flow ended ------------------------------------------------------------

    async def flow_ended(self, update: Update, context: Context, end: FlowEnd) -> None:
        """Log the cramp if the diary is on; ask once (at a calm end) if never asked."""
        user_id, chat_id = self.ids(update)
        try:
            settings = await self._settings(user_id)
            zone = await self._zone(user_id)
        except StorageError as exc:  # the diary is a nicety: the flow has already answered
            log.warning("diary: could not read the settings: %s", exc)
            return
        moment = local_time(end.started_utc, zone)
        minutes = None
        if end.eased_utc is not None:
            minutes = max(0, round((end.eased_utc - end.started_utc) / 60))
        draft = ds.Draft(
            utc=end.started_utc, place=place_for_flow(end.flow, moment), severe=end.severe,
            minutes=minutes, tried=end.tried, helped=end.helped,
        )  # fmt: skip
        if settings is not None and settings.status == "on":
            await self._save(user_id, draft, "flow", zone)
        elif settings is None and end.calm:
            # Asked once: the choice row says only that the question went out.
            await self.services.storage.set_diary_status(user_id, "asked", self.services.now())
            await send(context.bot, chat_id, ds.consent(self._content(update), draft))

    # --- the reminder's Done on a bedtime stretch ---------------------------------------

    async def stretch_done(self, user_id: int) -> None:
        """The person tapped Done on a bedtime stretch reminder: mark tonight, if the diary
        is on."""
        if not await self._is_on(user_id):
            return
        night = stretch_night(self._local_now(await self._zone(user_id)))
        await self.services.storage.add_stretch_night(user_id, night, self.services.now())

    # --- /diary -------------------------------------------------------------------------

    async def command(self, update: Update, context: Context) -> None:
        if context.args and context.args[0].lower() == "off":
            await self.off(update, context)
            return
        await self.show(update, context, None)

    async def show(self, update: Update, context: Context, message_id: int | None) -> None:
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        settings = await self._settings(user_id)
        if settings is None or settings.status != "on":
            await edit_or_send(
                context.bot, chat_id, message_id, ds.consent(content, None, intro=True)
            )
            return
        zone = await self._zone(user_id)
        today = self._local_now(zone).date()
        summary, reasons, _ = await self._month(user_id, zone, today, settings)
        language = content.language
        try:
            png = await render(summary.days, ds.chart_labels(content, summary, language))
            await send_photo(
                context.bot, chat_id, png, ds.chart_caption(content, summary, language)
            )
        except Exception as exc:
            if self.in_doubt(exc):
                raise
            log.warning("diary chart failed: %s", type(exc).__name__)
            await send(context.bot, chat_id, ds.plain(content, "chart_failed"))
        user = await self.services.storage.get_user(user_id)
        screen = ds.diary_screen(
            content, summary, reasons, language, weekly=settings.weekly,
            entries=await self.services.storage.count_diary_entries(user_id) > 0,
            zone_known=user is not None and user.time_zone is not None,
        )  # fmt: skip
        await send(context.bot, chat_id, screen)

    async def _month(
        self, user_id: int, zone: str, today: date, settings: DiarySettings
    ) -> tuple[Summary, list[doctor.Reason], list[Entry]]:
        storage = self.services.storage
        since = self.services.now() - READ_DAYS * 86_400
        entries = await storage.diary_entries(user_id, since)
        stretched = await storage.stretch_nights(user_id, today - timedelta(days=READ_DAYS))
        start = local_time(settings.since_utc, zone).date()
        summary = summarise(entries, today, stretched, since=start)
        return summary, doctor.reasons(entries, today), entries

    # --- typed text ---------------------------------------------------------------------

    async def on_route(self, update: Update, context: Context, route: Route) -> bool:
        """A past cramp told in words ("cramp in my calf last night around 3"): offer to
        add it. False: not one (the router's answer stands)."""
        message = update.effective_message
        if message is None or not message.text:
            return False
        content = self._content(update)
        assert content.diary is not None
        if not is_past_cramp(message.text, content.diary.words):
            return False  # most messages: decided without a database read
        user_id, chat_id = self.ids(update)
        settings = await self._settings(user_id)
        if settings is not None and settings.status in ("no", "off"):
            return False  # said no, or stopped: the router's answer stands
        zone = await self._zone(user_id)
        past = parse_past(message.text, content.diary.words, self._local_now(zone))
        if past is None:
            return False
        draft = ds.Draft(
            utc=int(past.when.timestamp()), place=past.place, side=past.side, muscle=past.muscle,
            severe=past.severe, minutes=past.minutes,
        )  # fmt: skip
        if settings is None or settings.status != "on":
            screen = ds.consent(content, draft)
            screen = replace(screen, text=ds.text(content, "past_no_diary"))
        else:
            screen = ds.past_confirm(
                content, draft, zone, content.language, guessed=past.time_guessed
            )
        await send(context.bot, chat_id, screen)
        return True

    async def on_text(self, update: Update, context: Context, state: ConversationState) -> bool:
        """Typed medicines for the doctor's summary, when asked for."""
        message = update.effective_message
        if state.flow != FLOW or state.step != MEDICINES_STEP or message is None:
            return False
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        text = (message.text or "").strip()
        if len(text) > MAX_MEDICINES:
            await send(context.bot, chat_id, ds.plain(content, "medicines_too_long"))
            return True
        storage = self.services.storage
        await storage.clear_state(user_id)
        assert content.diary is not None
        if clears_medicines(text, content.diary.medicines["clear"]):
            await storage.set_diary_medicines(user_id, "")
            await send(context.bot, chat_id, ds.plain(content, "medicines_cleared"))
            return True
        await storage.set_diary_medicines(user_id, text)
        await send(
            context.bot, chat_id, ds.plain(content, "medicines_saved", medicines=escape(text))
        )
        return True

    # --- /diary off ---------------------------------------------------------------------

    async def off(self, update: Update, context: Context, message_id: int | None = None) -> None:
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        settings = await self._settings(user_id)
        count = await storage.count_diary_entries(user_id)
        if settings is None or (settings.status != "on" and count == 0):
            await edit_or_send(context.bot, chat_id, message_id, ds.plain(content, "already_off"))
            return
        await storage.set_diary_status(user_id, "off", self.services.now())
        if count == 0:
            await edit_or_send(context.bot, chat_id, message_id, ds.plain(content, "off_kept"))
            return
        await edit_or_send(context.bot, chat_id, message_id, ds.off_screen(content, count))

    # --- buttons ------------------------------------------------------------------------

    async def press(self, update: Update, context: Context, parsed: Callback) -> None:
        query = update.callback_query
        if query is None:
            return
        user_id, chat_id = self.ids(update)
        settings = await self._settings(user_id)
        p = _Press(
            update, context, query.id, user_id, chat_id, self._content(update), parsed,
            self.pressed_message_id(update), settings, self.services.now(),
        )  # fmt: skip
        action = parsed.arg(0)
        if action in self._any_time:
            await self._any_time[action](p)
        elif not p.on:  # every other button needs the diary on
            await self._answer(p)
            await self._put(p, ds.consent(p.content, None, intro=True))
        elif action in ENTRY_ACTIONS:
            await self._entry_press(update, context, action, parsed.int_arg(1))
        elif action in self._when_on:
            await self._when_on[action](p)
        else:
            await self._answer(p, "stale_toast")

    async def _answer(self, p: _Press, toast: str | None = None) -> None:
        text = ds.toast(p.content, toast) if toast is not None else None
        await answer_callback(p.context.bot, p.query_id, text)

    async def _put(self, p: _Press, screen: Screen) -> None:
        """Show `screen` in place of the pressed message."""
        await edit_or_send(p.context.bot, p.chat_id, p.message_id, screen)

    async def _yes(self, p: _Press) -> None:
        warm_up()
        storage = self.services.storage
        draft = ds.Draft.from_args(p.args, ds.methods_of(p.content)) if p.args else None
        was_off = p.settings is not None and p.settings.status == "off"
        await storage.set_diary_status(p.user_id, "on", p.now)
        zone = await self._zone(p.user_id)
        await self._answer(p)
        if draft is not None and not p.on:
            await self._save(p.user_id, draft, "flow" if draft.tried else "typed", zone)
            key = "consent_yes"
        else:
            kept = was_off and await storage.count_diary_entries(p.user_id) > 0
            key = "restarted" if kept else "consent_yes_plain"
        await self._put(p, ds.plain(p.content, key))

    async def _no(self, p: _Press) -> None:
        if p.settings is None or p.settings.status == "asked":  # "No" to an old question
            await self.services.storage.set_diary_status(p.user_id, "no", p.now)  # not a stop
        await self._answer(p)
        await self._put(p, ds.plain(p.content, "consent_no"))

    async def _what_is_stored(self, p: _Press) -> None:
        draft = ds.Draft.from_args(p.args, ds.methods_of(p.content)) if p.args else None
        await self._answer(p)
        await self._put(p, ds.what_is_stored(p.content, draft))

    async def _after_off(self, p: _Press) -> None:
        """/diary off asked what to do with the entries: delete them or keep them."""
        await self._answer(p)
        delete = p.parsed.arg(0) == DiaryAction.DELETE_ALL
        if delete:
            await self.services.storage.delete_diary(p.user_id)
        await self._put(p, ds.plain(p.content, "off_deleted" if delete else "off_kept"))

    async def _show_month(self, p: _Press) -> None:
        await self._answer(p)
        await self.show(p.update, p.context, None)

    async def _pick_day(self, p: _Press) -> None:
        await self._answer(p)
        await self._put(p, ds.pick_day(p.content))

    async def _day(self, p: _Press) -> None:
        zone = await self._zone(p.user_id)
        draft = ds.draft_for_day(p.parsed.arg(1), self._local_now(zone))
        await self._answer(p)
        if draft is None:
            await self._put(p, ds.pick_day(p.content))
            return
        await self._put(
            p, ds.past_confirm(p.content, draft, zone, p.content.language, guessed=True)
        )

    async def _past(self, p: _Press) -> None:
        """A past cramp's draft: another time ("pt") or saved ("sv")."""
        content, language = p.content, p.content.language
        zone = await self._zone(p.user_id)
        draft = ds.Draft.from_args(p.args, ds.methods_of(content))
        if draft is None:
            await self._answer(p, "stale_toast")
            return
        await self._answer(p)
        if draft.utc > p.now:
            screen = ds.past_confirm(content, replace(draft, utc=p.now), zone, language)
            screen = replace(screen, text=f"{ds.text(content, 'past_future')}\n\n{screen.text}")
        elif p.parsed.arg(0) == DiaryAction.PAST_TIME:
            screen = ds.past_confirm(content, draft, zone, language)
        else:
            source = "typed" if draft.side or draft.muscle else "buttons"
            await self._save(p.user_id, draft, source, zone)
            screen = ds.saved(content, draft, zone, language)
        await self._put(p, screen)

    async def _cancel_past(self, p: _Press) -> None:
        await self._answer(p)
        await self._put(p, ds.plain(p.content, "past_cancelled"))

    async def _edit_list(self, p: _Press) -> None:
        await self._answer(p)
        entries = await self.services.storage.diary_entries(p.user_id, None, limit=ds.EDIT_LIST)
        await self._put(p, ds.edit_list(p.content, entries, p.content.language))

    async def _share(self, p: _Press) -> None:
        await self._answer(p)
        await self.share(p.update, p.context)

    async def _ask_medicines(self, p: _Press) -> None:
        await self._answer(p)
        # A new message: the month's buttons stay where they are.
        shown = await edit_or_send(
            p.context.bot, p.chat_id, None, ds.plain(p.content, "medicines_ask")
        )
        await self.services.storage.save_state(
            p.user_id, FLOW, MEDICINES_STEP, shown, p.now, new=True
        )

    async def _weekly(self, p: _Press) -> None:
        """The weekly note's switch: flip it, and only the buttons of the month change."""
        assert p.settings is not None
        storage = self.services.storage
        zone = await self._zone(p.user_id)
        weekly = not p.settings.weekly
        await storage.set_diary_weekly(p.user_id, next_weekly_utc(zone, p.now) if weekly else None)
        await self._answer(p, "weekly_on_toast" if weekly else "weekly_off_toast")
        if p.message_id is not None:
            count = await storage.count_diary_entries(p.user_id)
            rows = ds.diary_buttons(
                p.content, weekly=weekly, entries=count > 0, zone_known=zone != "UTC"
            )
            await edit_markup(p.context.bot, p.chat_id, p.message_id, rows)

    async def _off_button(self, p: _Press) -> None:
        await self._answer(p)
        await self.off(p.update, p.context, p.message_id)

    async def _entry_press(
        self, update: Update, context: Context, action: str, entry_id: int | None
    ) -> None:
        query = update.callback_query
        assert query is not None
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        storage = self.services.storage
        message_id = self.pressed_message_id(update)
        entry = await storage.diary_entry(user_id, entry_id) if entry_id is not None else None
        if entry is None:
            await answer_callback(context.bot, query.id, ds.toast(content, "stale_toast"))
            entries = await storage.diary_entries(user_id, None, limit=ds.EDIT_LIST)
            await edit_or_send(
                context.bot, chat_id, message_id, ds.edit_list(content, entries, content.language)
            )
            return
        if action == "ex":
            await storage.delete_diary_entry(user_id, entry.id)
            await answer_callback(context.bot, query.id, ds.toast(content, "deleted_toast"))
            entries = await storage.diary_entries(user_id, None, limit=ds.EDIT_LIST)
            await edit_or_send(
                context.bot, chat_id, message_id, ds.edit_list(content, entries, content.language)
            )
            return
        if action != "e":
            occurred = entry.occurred_utc + {"ee": -3600, "el": 3600}.get(action, 0)
            occurred = min(occurred, self.services.now())
            place = (
                PLACES[(PLACES.index(entry.place) + 1) % len(PLACES)]
                if action == "ep"
                else entry.place
            )
            severe = not entry.severe if action == "es" else entry.severe
            await storage.update_diary_entry(user_id, entry.id, occurred, place, severe)
            entry = replace(entry, occurred_utc=occurred, place=place, severe=severe)
            await answer_callback(context.bot, query.id, ds.toast(content, "changed_toast"))
        else:
            await answer_callback(context.bot, query.id)
        await edit_or_send(
            context.bot, chat_id, message_id, ds.entry_screen(content, entry, content.language)
        )

    # --- the weekly note ---------------------------------------------------------------

    async def weekly_screen(self, note: WeeklyDue) -> Screen | None:
        """The Sunday note: the week as a text chart, and the doctor note when the rule
        fires. None when the diary was stopped since the note was claimed."""
        storage = self.services.storage
        settings = await storage.diary_settings(note.user_id)
        if settings is None or settings.status != "on":
            return None
        content = self.services.locale(note.language).content
        zone = note.time_zone or "UTC"
        last = local_time(note.fire_utc, zone).date()
        entries = await storage.diary_entries(note.user_id, note.fire_utc - READ_DAYS * 86_400)
        stretched = await storage.stretch_nights(note.user_id, last - timedelta(days=7))
        parts = [ds.weekly_note(content, entries, stretched, last, content.language)]
        note_text = ds.doctor_note(content, doctor.reasons(entries, last))
        if note_text:
            parts.append(note_text)
        rows = (
            ((Button(content.diary.buttons["diary"], cb("d", "show")),),) if content.diary else ()
        )
        return Screen("\n\n".join(parts), rows)

    # --- for the doctor -----------------------------------------------------------------

    async def share(self, update: Update, context: Context) -> None:
        """A one-page PDF and a CSV, built in memory in the drawing thread."""
        user_id, chat_id = self.ids(update)
        content = self._content(update)
        assert content.diary is not None
        storage = self.services.storage
        settings = await self._settings(user_id)
        assert settings is not None
        zone = await self._zone(user_id)
        today = self._local_now(zone).date()
        summary, _, recent = await self._month(user_id, zone, today, settings)
        everything = await storage.diary_entries(user_id, None)
        if not everything:
            await send(context.bot, chat_id, ds.plain(content, "share_empty"))
            return
        language = content.language
        page = ds.pdf_page(content, summary, recent, settings.medicines, zone, language)
        labels = ds.chart_labels(content, summary, language)
        pdf = await export.render_pdf(page, summary.days, labels)
        csv = await off_loop(
            export.csv_bytes, content.diary.csv_columns, everything, dict(content.diary.names)
        )
        stamp = today.isoformat()
        await send_document(
            context.bot,
            chat_id,
            pdf,
            f"cramp-diary-{stamp}.pdf",
            ds.text(content, "share_caption_pdf"),
        )
        await send_document(
            context.bot,
            chat_id,
            csv,
            f"cramp-diary-{stamp}.csv",
            ds.text(content, "share_caption_csv"),
        )
