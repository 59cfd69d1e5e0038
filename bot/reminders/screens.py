"""Every reminder screen: the list, a reminder's card, the set-up steps, and the reminder
message itself. Pure: built from content/<lang>/reminders.toml, no Telegram."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.callbacks import cb
from bot.content import Content, ReminderTexts
from bot.reminders import wording
from bot.reminders.kinds import Act, Kind, Step
from bot.reminders.schedule import ALL_DAYS, zone_from_name
from bot.reminders.setup import DEFAULT_TIME, LEADS, Context, Draft, fire_utc, future_times
from bot.reminders.wording import Form
from bot.storage.records import Reminder
from bot.text_schema import uses
from bot.views import Button, ReplyKeyboard, Screen, menu_row

uses(__name__, "reminders.toml", "messages", "bedtime preswim(time)")
uses(
    __name__, "reminders.toml", "buttons",
    """done snooze stop add_bedtime add_preswim add_once pause resume open delete undo next
    save change cancel plus minus every_day weekdays weekends clear_days change_time
    change_days change_lead change_zone timezone share_location keep_offset(zone)
    continue_setup resume_all keep_paused back my_reminders prev_page next_page""",
)  # fmt: skip
uses(
    __name__, "reminders.toml", "texts",
    """list_header list_empty item_on(summary,when) item_paused(summary) list_page(page,pages)
    limit_reached(limit) summary_bedtime(days,time) summary_preswim(days,lead,send,time)
    summary_once(date,lead,send,time) next_line(when) zone_line(local_time,zone)
    confirm_header saved_header changed_header card_header card_hint card_paused change_what
    deleted_note(summary) restored_note(summary) stopped_request(items) nothing_to_stop
    setup_waiting date_today date_tomorrow ask_kind ask_timezone change_timezone tz_pick
    tz_offset(zone) tz_set(local_time,zone) tz_changed(zone) ask_time_bedtime(time)
    ask_time_preswim(time) ask_time_once(date,time) ask_days(days) ask_days_bedtime(days)
    ask_lead resume_offer done_note stopped_note snoozed_note(time)""",
)  # fmt: skip

# Quick-pick times (clock times, not words: they need no translation).
PRESETS = {
    Kind.BEDTIME: ("21:00", "21:30", "22:00", "22:30", "23:00", "23:30"),
    Kind.PRESWIM: ("06:00", "07:00", "08:00", "12:00", "17:00", "18:00", "19:00", "20:00"),
    Kind.SWIM_ONCE: ("07:00", "09:00", "12:00", "15:00", "17:00", "18:00", "19:00", "20:00"),
}
# Reminders per page of the list, and per person (finished one-offs do not count).
PAGE_SIZE = 5
MAX_PER_USER = 10


def texts_of(content: Content) -> ReminderTexts:
    if content.reminders is None:
        raise ValueError("content has no reminders.toml")
    return content.reminders


def _r(*args: str) -> str:
    return cb("r", *args)


def toast(content: Content, key: str, **values: str) -> str:
    return texts_of(content).texts[key].format(**values)


# --- what a reminder is, in words ---------------------------------------------------------


def summary(
    t: ReminderTexts, kind: Kind, time: str, days: int, lead: int, once: str | None, ctx: Context
) -> str:
    """'🏊 every Mon, Wed, Fri at <b>06:15</b>, 45 min before your 07:00 swim'."""
    hour, minute = int(time[:2]), int(time[3:])
    at = wording.clock(t, hour, minute)
    if kind is Kind.BEDTIME:
        return t.texts["summary_bedtime"].format(days=wording.days_phrase(t, days), time=at)
    send = wording.clock(t, *wording.minus(hour, minute, lead))
    values = {"send": send, "lead": wording.duration(t, lead), "time": at}
    if kind is Kind.PRESWIM:
        return t.texts["summary_preswim"].format(days=wording.days_phrase(t, days), **values)
    return t.texts["summary_once"].format(date=_date_words(t, once, ctx), **values)


def _date_words(t: ReminderTexts, once: str | None, ctx: Context) -> str:
    day = date.fromisoformat(once) if once else ctx.local().date()
    ahead = (day - ctx.local().date()).days
    if ahead == 0:
        return t.texts["date_today"]
    if ahead == 1:
        return t.texts["date_tomorrow"]
    return wording.moment(t.babel_locale, day, Form.DAY)


def _next_line(t: ReminderTexts, fire: int | None, ctx: Context) -> str:
    if fire is None:
        return ""
    tz = ctx.tz()
    when = wording.when(t, wording.local(fire, tz), ctx.local())
    return t.texts["next_line"].format(when=when)


def _zone_line(t: ReminderTexts, ctx: Context) -> str:
    zone = ctx.zone or "UTC"
    here = wording.moment(t.babel_locale, ctx.local(), Form.TIME)
    return t.texts["zone_line"].format(zone=zone, local_time=here)


def _of(reminder: Reminder) -> tuple[Kind, str, int, int, str | None]:
    kind = Kind(reminder.kind) if reminder.kind in Kind._value2member_map_ else Kind.BEDTIME
    return kind, reminder.local_time, reminder.weekdays, reminder.lead_minutes, reminder.once_date


def reminder_summary(content: Content, reminder: Reminder, ctx: Context) -> str:
    return summary(texts_of(content), *_of(reminder), ctx)


def item_line(content: Content, reminder: Reminder, ctx: Context) -> str:
    t = texts_of(content)
    text = reminder_summary(content, reminder, ctx)
    if not reminder.enabled:
        return t.texts["item_paused"].format(summary=text)
    if reminder.next_fire_utc is None:
        return text
    when = wording.when(t, wording.local(reminder.next_fire_utc, ctx.tz()), ctx.local())
    return t.texts["item_on"].format(summary=text, when=when)


# --- the list -----------------------------------------------------------------------------


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def reminder_list(
    content: Content,
    reminders: Sequence[Reminder],
    ctx: Context,
    page: int = 0,
    *,
    note: str | None = None,
    undo: bool = False,
) -> Screen:
    """The list, each reminder with when it next comes and one button to open its card.
    `note` goes on top (a zone changed, a delete with Undo)."""
    t = texts_of(content)
    b = t.buttons
    rows: list[tuple[Button, ...]] = []
    if undo:
        rows.append((Button(b["undo"], _r(Act.UNDO)),))
    page = min(max(page, 0), pages(len(reminders)) - 1)
    first = page * PAGE_SIZE
    if reminders:
        lines = [t.texts["list_header"], ""]
        shown = reminders[first : first + PAGE_SIZE]
        opens = []
        for n, reminder in enumerate(shown, start=first + 1):
            lines.append(f"{n}. {item_line(content, reminder, ctx)}")
            opens.append(Button(f"{n}. {b['open']}", _r(Act.CARD, str(reminder.id))))
        rows += [tuple(opens[i : i + 2]) for i in range(0, len(opens), 2)]
        if pages(len(reminders)) > 1:
            lines += ["", t.texts["list_page"].format(page=page + 1, pages=pages(len(reminders)))]
            nav: list[Button] = []
            if page > 0:
                nav.append(Button(b["prev_page"], _r(Act.PAGE, str(page - 1))))
            if first + PAGE_SIZE < len(reminders):
                nav.append(Button(b["next_page"], _r(Act.PAGE, str(page + 1))))
            rows.append(tuple(nav))
        text = "\n".join(lines)
    else:
        text = t.texts["list_empty"]
    if note:
        text = f"{note}\n\n{text}"
    rows.append((Button(b["add_bedtime"], _r(Act.ADD, Kind.BEDTIME)),
                 Button(b["add_preswim"], _r(Act.ADD, Kind.PRESWIM))))  # fmt: skip
    rows.append((Button(b["add_once"], _r(Act.ADD, Kind.SWIM_ONCE)),))
    rows.append((Button(b["timezone"], _r(Act.ZONE)),))
    rows.append(menu_row(content))
    return Screen(text, tuple(rows))


def limit_reached(content: Content) -> Screen:
    t = texts_of(content)
    return Screen(
        t.texts["limit_reached"].format(limit=MAX_PER_USER),
        ((Button(t.buttons["back"], _r(Act.LIST)),), menu_row(content)),
    )


def zone_changed_note(content: Content, zone: str) -> str:
    return texts_of(content).texts["tz_changed"].format(zone=zone)


def deleted_note(content: Content, reminder: Reminder, ctx: Context) -> str:
    text = reminder_summary(content, reminder, ctx)
    return texts_of(content).texts["deleted_note"].format(summary=text)


def restored_note(content: Content, reminder: Reminder, ctx: Context) -> str:
    text = reminder_summary(content, reminder, ctx)
    return texts_of(content).texts["restored_note"].format(summary=text)


# --- a reminder's card --------------------------------------------------------------------


def card(content: Content, reminder: Reminder, ctx: Context, header: str = "card_header") -> Screen:
    """One reminder: what it is, when it next comes, its zone; change one part, pause or
    delete. Typing a time here changes its time."""
    t = texts_of(content)
    b = t.buttons
    kind = _of(reminder)[0]
    lines = [t.texts[header], f"{reminder_summary(content, reminder, ctx)}."]
    if reminder.enabled:
        lines.append(_next_line(t, reminder.next_fire_utc, ctx))
    else:
        lines.append(t.texts["card_paused"])
    lines += [_zone_line(t, ctx), "", t.texts["card_hint"]]
    rid = str(reminder.id)
    parts = [Button(b["change_time"], _r(Act.CHANGE, "time"))]
    if kind is not Kind.SWIM_ONCE:
        parts.append(Button(b["change_days"], _r(Act.CHANGE, "days")))
    if kind is not Kind.BEDTIME:
        parts.append(Button(b["change_lead"], _r(Act.CHANGE, "lead")))
    toggle = (
        Button(b["pause"], _r(Act.PAUSE, rid))
        if reminder.enabled
        else Button(b["resume"], _r(Act.RESUME, rid))
    )
    rows = (
        tuple(parts),
        (toggle, Button(b["delete"], _r(Act.DELETE, rid))),
        (Button(b["my_reminders"], _r(Act.LIST, "back")),),
    )
    return Screen("\n".join(line for line in lines if line is not None), rows)


# --- the set-up ---------------------------------------------------------------------------


def _cancel_row(t: ReminderTexts) -> tuple[Button, ...]:
    return (Button(t.buttons["cancel"], _r(Act.CANCEL)),)


def setup(content: Content, draft: Draft, ctx: Context, error: str | None = None) -> Screen:
    """The screen for a set-up's current step; `error` (a text key) goes on top."""
    t = texts_of(content)
    build = _STEPS.get(draft.step, _confirm)
    screen = build(t, draft, ctx)
    if error:
        return Screen(f"{t.texts[error]}\n\n{screen.text}", screen.rows, screen.reply)
    return screen


def _kind(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    b = t.buttons
    return Screen(
        t.texts["ask_kind"],
        ((Button(b["add_bedtime"], _r(Act.KIND, Kind.BEDTIME)),),
         (Button(b["add_preswim"], _r(Act.KIND, Kind.PRESWIM)),),
         (Button(b["add_once"], _r(Act.KIND, Kind.SWIM_ONCE)),),
         _cancel_row(t)),
    )  # fmt: skip


def _zone(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    """Typed city, or the 📍 button: a reply keyboard, so this is always a new message."""
    key = "change_timezone" if draft.zone_only else "ask_timezone"
    reply = ReplyKeyboard(location=t.buttons["share_location"], labels=(t.buttons["cancel"],))
    return Screen(t.texts[key], reply=reply)


def _zone_pick(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    picks = tuple(
        (Button(zone, _r(Act.ZONE_PICK, str(n))),) for n, zone in enumerate(draft.choices)
    )
    return Screen(t.texts["tz_pick"], (*picks, _cancel_row(t)))


def _zone_offset(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    zone = draft.choices[0] if draft.choices else "UTC"
    b = t.buttons
    return Screen(
        t.texts["tz_offset"].format(zone=zone),
        ((Button(b["keep_offset"].format(zone=zone), _r(Act.ZONE_KEEP)),), _cancel_row(t)),
    )


def _time(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    b = t.buttons
    kind = draft.kind or Kind.BEDTIME
    shown = draft.time or DEFAULT_TIME[kind]
    presets = PRESETS[kind]
    if kind is Kind.SWIM_ONCE and _date_words(t, draft.date, ctx) == t.texts["date_today"]:
        presets = future_times(presets, ctx)  # only times still ahead today
    key = {Kind.BEDTIME: "ask_time_bedtime", Kind.PRESWIM: "ask_time_preswim"}.get(
        kind, "ask_time_once"
    )
    at = wording.clock(t, int(shown[:2]), int(shown[3:]))
    text = t.texts[key].format(time=at, date=_date_words(t, draft.date, ctx))
    buttons = [Button(p, _r(Act.TIME, p.replace(":", ""))) for p in presets]
    rows: list[tuple[Button, ...]] = [tuple(buttons[i : i + 4]) for i in range(0, len(buttons), 4)]
    rows.append((Button(b["minus"], _r(Act.ADJUST, "-15")),
                 Button(b["plus"], _r(Act.ADJUST, "+15"))))  # fmt: skip
    rows.append((Button(b["next"], _r(Act.NEXT)), *_cancel_row(t)))
    return Screen(text, tuple(rows))


def _days(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    b = t.buttons
    days = draft.days or 0
    toggles = [
        Button(("✅ " if days & (1 << i) else "") + name, _r(Act.DAY, str(i)))
        for i, name in enumerate(t.weekdays)
    ]
    shortcuts = (
        Button(b["every_day"], _r(Act.DAY_SET, "all")),
        Button(b["weekdays"], _r(Act.DAY_SET, "wk")),
        Button(b["weekends"], _r(Act.DAY_SET, "we")),
        Button(b["clear_days"], _r(Act.DAY_SET, "none")),
    )
    rows = (tuple(toggles[:4]), tuple(toggles[4:]), shortcuts,
            (Button(b["next"], _r(Act.NEXT)), *_cancel_row(t)))  # fmt: skip
    key = "ask_days_bedtime" if draft.kind is Kind.BEDTIME else "ask_days"
    return Screen(t.texts[key].format(days=wording.day_names(t, days) or "-"), rows)


def _lead(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    leads = tuple(Button(wording.duration(t, n), _r(Act.LEAD, str(n))) for n in LEADS)
    return Screen(t.texts["ask_lead"], (leads, _cancel_row(t)))


def _draft_summary(t: ReminderTexts, draft: Draft, ctx: Context) -> str:
    kind = draft.kind or Kind.BEDTIME
    days = ALL_DAYS if draft.days is None else draft.days
    return summary(t, kind, draft.time or DEFAULT_TIME[kind], days, draft.lead or 0,
                   draft.date, ctx)  # fmt: skip


def _confirm(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    """A typed request, read back before it is saved: Save, Change, Cancel."""
    b = t.buttons
    lines = [
        t.texts["confirm_header"], f"{_draft_summary(t, draft, ctx)}.",
        _next_line(t, fire_utc(draft, ctx), ctx), _zone_line(t, ctx),
    ]  # fmt: skip
    rows = ((Button(b["save"], _r(Act.SAVE)), Button(b["change"], _r(Act.CHANGE))),
            _cancel_row(t))  # fmt: skip
    return Screen("\n".join(line for line in lines if line), rows)


def _change(t: ReminderTexts, draft: Draft, ctx: Context) -> Screen:
    b = t.buttons
    parts = [Button(b["change_time"], _r(Act.CHANGE, "time"))]
    if draft.kind is not Kind.SWIM_ONCE:
        parts.append(Button(b["change_days"], _r(Act.CHANGE, "days")))
    if draft.kind is not Kind.BEDTIME:
        parts.append(Button(b["change_lead"], _r(Act.CHANGE, "lead")))
    parts.append(Button(b["change_zone"], _r(Act.CHANGE, "tz")))
    text = f"{t.texts['change_what']}\n{_draft_summary(t, draft, ctx)}."
    return Screen(text, (tuple(parts[:2]), tuple(parts[2:]), _cancel_row(t)))


_STEPS = {
    Step.KIND: _kind,
    Step.ZONE: _zone,
    Step.ZONE_PICK: _zone_pick,
    Step.ZONE_OFFSET: _zone_offset,
    Step.TIME: _time,
    Step.DAYS: _days,
    Step.LEAD: _lead,
    Step.CONFIRM: _confirm,
    Step.CHANGE: _change,
}


def zone_set(content: Content, zone: str, ctx: Context) -> Screen:
    """Said once the zone is found; also takes the 📍 keyboard away."""
    t = texts_of(content)
    here = wording.moment(
        t.babel_locale, wording.local(ctx.now_utc, zone_from_name(zone)), Form.TIME
    )
    return Screen(t.texts["tz_set"].format(zone=zone, local_time=here),
                  reply=ReplyKeyboard(remove=True))  # fmt: skip


def setup_waiting(content: Content, draft: Draft) -> Screen:
    """After another message answered in the middle of a set-up: one tap carries on."""
    t = texts_of(content)
    args = [Act.CONTINUE.value, draft.pack()]
    if draft.edit_id is not None:
        args.append(str(draft.edit_id))
    return Screen(t.texts["setup_waiting"], ((Button(t.buttons["continue_setup"], _r(*args)),),))


def stopped(content: Content, paused: Sequence[Reminder], ctx: Context) -> Screen:
    t = texts_of(content)
    back = ((Button(t.buttons["my_reminders"], _r(Act.LIST, "back")),), menu_row(content))
    if not paused:
        return Screen(t.texts["nothing_to_stop"], back)
    items = "\n".join(f"• {reminder_summary(content, r, ctx)}" for r in paused)
    return Screen(t.texts["stopped_request"].format(items=items), back)


# --- the reminder message -----------------------------------------------------------------


def reminder_message(content: Content, kind: str, local_time: str, reminder_id: int) -> Screen:
    """What a reminder says when it fires, with Done / Snooze / Stop."""
    t = texts_of(content)
    template = t.messages["bedtime" if kind == Kind.BEDTIME else "preswim"]
    rid = str(reminder_id)
    at = wording.clock(t, int(local_time[:2]), int(local_time[3:5])) if local_time else ""
    return Screen(
        template.format(time=at),
        ((Button(t.buttons["done"], _r(Act.DONE, rid)),
          Button(t.buttons["snooze"], _r(Act.SNOOZE, rid))),
         (Button(t.buttons["stop"], _r(Act.STOP, rid)),)),
    )  # fmt: skip


def answered(
    content: Content, text: str, note: str, resume_id: int | None = None, **values: str
) -> Screen:
    """A reminder after Done, Snooze or Pause: its own text stays, a line under it says what
    happened and until when; a paused one offers Resume."""
    t = texts_of(content)
    body = f"{text}\n\n{t.texts[note].format(**values)}"
    if resume_id is None:
        return Screen(body)
    return Screen(
        body, ((Button(t.buttons["resume"], _r(Act.RESUME, str(resume_id))),), menu_row(content))
    )


def resume_offer(content: Content) -> Screen:
    t = texts_of(content)
    return Screen(
        t.texts["resume_offer"],
        ((Button(t.buttons["resume_all"], _r(Act.RESUME_ALL)),),
         (Button(t.buttons["keep_paused"], _r(Act.KEEP_PAUSED)),)),
    )  # fmt: skip


# --- every screen, for the checks and the tour --------------------------------------------

# 2026-11-24 12:00 UTC, a Tuesday.
_SAMPLE_NOW = 1_795_521_600


def all_screens(content: Content) -> list[tuple[str, Screen]]:
    """Every reminder screen, with sample reminders."""
    ctx = Context(_SAMPLE_NOW, "Europe/Lisbon")
    samples = [
        Reminder(1, 1, "bedtime", "22:30", ALL_DAYS, 0, None, True, _SAMPLE_NOW + 37_800, None),
        Reminder(2, 1, "preswim", "07:00", 0b0010101, 45, None, False, None, "paused"),
        Reminder(3, 1, "swim_once", "18:00", ALL_DAYS, 30, "2026-11-24", True,
                 _SAMPLE_NOW + 19_800, None),
    ]  # fmt: skip
    many = [
        Reminder(n, 1, "bedtime", "22:00", ALL_DAYS, 0, None, True, _SAMPLE_NOW + 36_000, None)
        for n in range(1, MAX_PER_USER + 1)
    ]
    out = [
        ("list, empty", reminder_list(content, [], ctx)),
        ("list", reminder_list(content, samples, ctx)),
        ("list, zone changed",
         reminder_list(content, [], ctx, note=zone_changed_note(content, "Europe/Lisbon"))),
        ("list, deleted", reminder_list(content, samples[:2], ctx,
                                        note=deleted_note(content, samples[2], ctx), undo=True)),
        ("list, page 2", reminder_list(content, many, ctx, page=1)),
        ("limit reached", limit_reached(content)),
        ("zone set", zone_set(content, "Europe/Lisbon", ctx)),
        ("resume offer", resume_offer(content)),
        ("stopped", stopped(content, samples[:1], ctx)),
        ("nothing to stop", stopped(content, [], ctx)),
    ]  # fmt: skip
    for reminder in samples:
        out.append((f"card {reminder.kind}", card(content, reminder, ctx)))
        out.append((f"saved {reminder.kind}", card(content, reminder, ctx, "saved_header")))
    drafts = [
        Draft(Step.KIND), Draft(Step.ZONE, Kind.BEDTIME), Draft(Step.ZONE, zone_only=True),
        Draft(Step.ZONE_PICK, Kind.BEDTIME, choices=("America/Caracas", "Europe/Madrid")),
        Draft(Step.ZONE_OFFSET, Kind.BEDTIME, choices=("UTC+02:00",)),
        Draft(Step.TIME, Kind.BEDTIME), Draft(Step.TIME, Kind.PRESWIM),
        Draft(Step.TIME, Kind.SWIM_ONCE, date="2026-11-24"),
        Draft(Step.DAYS, Kind.PRESWIM, "07:00", 0b0010101),
        Draft(Step.LEAD, Kind.PRESWIM, "07:00", 0b0010101),
        Draft(Step.CONFIRM, Kind.PRESWIM, "07:00", 0b0010101, 45, typed=True),
        Draft(Step.CONFIRM, Kind.BEDTIME, "22:30", ALL_DAYS, 0, typed=True),
        Draft(Step.CHANGE, Kind.PRESWIM, "07:00", 0b0010101, 45, typed=True),
    ]  # fmt: skip
    for draft in drafts:
        out.append((f"set-up {draft.step} {draft.kind}", setup(content, draft, ctx)))
    out.append(("set-up, bad time", setup(content, drafts[5], ctx, "bad_time")))
    out.append(("set-up waiting", setup_waiting(content, drafts[8])))
    for kind in (Kind.BEDTIME, Kind.PRESWIM):
        fired = reminder_message(content, kind, "22:00", 1)
        out += [
            (f"reminder {kind}", fired),
            (f"reminder {kind}, done", answered(content, fired.text, "done_note")),
            (f"reminder {kind}, snoozed", answered(content, fired.text, "snoozed_note",
                                                    time="22:10")),
            (f"reminder {kind}, paused", answered(content, fired.text, "stopped_note", 1)),
        ]  # fmt: skip
    return out
