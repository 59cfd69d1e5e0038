"""Screens for reminders: the list, the set-up steps, and the reminder message itself.
Pure: built from content/<lang>/reminders.toml, no Telegram."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.callbacks import cb
from bot.content import Content, ReminderTexts
from bot.schedule import ALL_DAYS
from bot.storage.records import Reminder
from bot.text_schema import uses
from bot.views import Button, Screen, menu_row

uses(__name__, "reminders.toml", "messages", "bedtime preswim(time)")
uses(
    __name__, "reminders.toml", "buttons",
    """add_bedtime add_preswim add_once timezone prev_page next_page edit pause resume delete
    back cancel confirm minus plus tz_yes tz_no done snooze stop resume_all keep_paused
    lead_15 lead_30 lead_60""",  # lead_{n} for n in LEADS
)  # fmt: skip
uses(
    __name__, "reminders.toml", "texts",
    """state_on state_paused item_bedtime(time,state) item_preswim(time,days,lead,state)
    item_once(date,time,lead,state) list_header list_page(page,pages) list_empty
    tz_changed(zone) tz_saved(zone) limit_reached(limit) tz_not_found ask_timezone
    change_timezone tz_confirm(zone,local_time) ask_days(days) ask_lead
    ask_time_bedtime(time) ask_time_preswim(time) ask_time_once(time)
    saved_bedtime(time,zone) saved_preswim(time,days,lead,zone) saved_once(time,lead,zone)
    resume_offer bad_time once_past done_note stopped_note snoozed_note(time)""",
)  # fmt: skip

# Quick-pick times (these are clock times, not words: they need no translation).
PRESETS = {
    "bedtime": ("21:00", "21:30", "22:00", "22:30", "23:00"),
    "preswim": ("07:00", "09:00", "12:00", "17:00", "18:00", "19:00"),
    "swim_once": ("07:00", "09:00", "12:00", "17:00", "18:00", "19:00"),
}
DEFAULT_TIME = {"bedtime": "22:00", "preswim": "18:00", "swim_once": "18:00"}
LEADS = (15, 30, 60)


@dataclass(frozen=True)
class Draft:
    """A reminder being set up or edited, kept in conversation_state.data between taps."""

    kind: str
    time: str
    days: int = ALL_DAYS
    lead: int = 30
    edit_id: int | None = None

    def to_data(self) -> dict[str, object]:
        return {"kind": self.kind, "time": self.time, "days": self.days, "lead": self.lead,
                "edit_id": self.edit_id}  # fmt: skip

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Draft:
        kind = str(data.get("kind", "bedtime"))
        edit_id = data.get("edit_id")
        return cls(
            kind=kind if kind in PRESETS else "bedtime",
            time=str(data.get("time", DEFAULT_TIME.get(kind, "22:00"))),
            days=int(str(data.get("days", ALL_DAYS))),
            lead=int(str(data.get("lead", 30))),
            edit_id=int(str(edit_id)) if edit_id is not None else None,
        )


def _texts(content: Content) -> ReminderTexts:
    if content.reminders is None:
        raise ValueError("content has no reminders.toml")
    return content.reminders


def toast(content: Content, key: str) -> str:
    return _texts(content).texts[key]


def day_names(content: Content, days: int) -> str:
    names = _texts(content).weekdays
    return ", ".join(n for i, n in enumerate(names) if days & (1 << i))


def item_line(content: Content, reminder: Reminder) -> str:
    t = _texts(content)
    state = t.texts["state_on"] if reminder.enabled else t.texts["state_paused"]
    if reminder.kind == "bedtime":
        line = t.texts["item_bedtime"].format(time=reminder.local_time, state=state)
    elif reminder.kind == "preswim":
        line = t.texts["item_preswim"].format(
            time=reminder.local_time, days=day_names(content, reminder.weekdays),
            lead=reminder.lead_minutes, state=state,
        )  # fmt: skip
    else:
        line = t.texts["item_once"].format(
            time=reminder.local_time, date=reminder.once_date or "", lead=reminder.lead_minutes,
            state=state,
        )  # fmt: skip
    return line.strip()


# Reminders per page of the list: each has a row of three buttons, and Telegram allows 100
# buttons a message.
PAGE_SIZE = 5
# Reminders one person can have (finished one-offs do not count).
MAX_PER_USER = 10


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def reminder_list(
    content: Content,
    reminders: Sequence[Reminder],
    zone: str | None,
    page: int = 0,
    *,
    zone_changed: bool = False,
) -> Screen:
    """The list; the zone line shows under reminders, and once right after a change."""
    t = _texts(content)
    b = t.buttons
    rows: list[tuple[Button, ...]] = []
    page = min(max(page, 0), pages(len(reminders)) - 1)
    first = page * PAGE_SIZE
    if reminders:
        lines = [t.texts["list_header"], ""]
        shown = reminders[first : first + PAGE_SIZE]
        for n, reminder in enumerate(shown, start=first + 1):
            lines.append(f"{n}. {item_line(content, reminder)}")
            rid = str(reminder.id)
            toggle = (
                Button(f"{n}. {b['pause']}", cb("r", "p", rid))
                if reminder.enabled
                else Button(f"{n}. {b['resume']}", cb("r", "u", rid))
            )
            rows.append(
                (toggle, Button(f"{n}. {b['edit']}", cb("r", "e", rid)),
                 Button(f"{n}. {b['delete']}", cb("r", "d", rid)))
            )  # fmt: skip
        if pages(len(reminders)) > 1:
            lines += ["", t.texts["list_page"].format(page=page + 1, pages=pages(len(reminders)))]
            nav: list[Button] = []
            if page > 0:
                nav.append(Button(b["prev_page"], cb("r", "pg", str(page - 1))))
            if first + PAGE_SIZE < len(reminders):
                nav.append(Button(b["next_page"], cb("r", "pg", str(page + 1))))
            rows.append(tuple(nav))
        text = "\n".join(lines)
    else:
        text = t.texts["list_empty"]
    if zone and zone_changed:
        text = t.texts["tz_changed"].format(zone=zone) + "\n\n" + text
    elif zone and reminders:
        text += "\n\n" + t.texts["tz_saved"].format(zone=zone)
    rows.append((Button(b["add_bedtime"], cb("r", "add", "bedtime")),
                 Button(b["add_preswim"], cb("r", "add", "preswim"))))  # fmt: skip
    rows.append((Button(b["add_once"], cb("r", "add", "swim_once")),))
    rows.append((Button(b["timezone"], cb("r", "tz")),))
    rows.append(menu_row(content))
    return Screen(text, tuple(rows))


def limit_reached(content: Content) -> Screen:
    t = _texts(content)
    return Screen(
        t.texts["limit_reached"].format(limit=MAX_PER_USER),
        ((Button(t.buttons["back"], cb("r", "list")),), menu_row(content)),
    )


def ask_zone(content: Content, error: bool = False, *, change: bool = False) -> Screen:
    t = _texts(content)
    if error:
        text = t.texts["tz_not_found"]
    else:
        text = t.texts["change_timezone" if change else "ask_timezone"]
    return Screen(text, ((Button(t.buttons["cancel"], cb("r", "x")),),))


def confirm_zone(content: Content, zone: str, local_time: str) -> Screen:
    t = _texts(content)
    return Screen(
        t.texts["tz_confirm"].format(zone=zone, local_time=local_time),
        ((Button(t.buttons["tz_yes"], cb("r", "tzy")), Button(t.buttons["tz_no"], cb("r", "tzn"))),
         (Button(t.buttons["cancel"], cb("r", "x")),)),
    )  # fmt: skip


def time_picker(content: Content, draft: Draft, error: str | None = None) -> Screen:
    t = _texts(content)
    b = t.buttons
    text = t.texts[f"ask_time_{draft.kind.replace('swim_', '')}"].format(time=draft.time)
    if error:
        text = f"{t.texts[error]}\n\n{text}"
    presets = [Button(p, cb("r", "t", p.replace(":", ""))) for p in PRESETS[draft.kind]]
    rows: list[tuple[Button, ...]] = [tuple(presets[i : i + 3]) for i in range(0, len(presets), 3)]
    rows.append(
        (Button(b["minus"], cb("r", "adj", "-15")), Button(b["plus"], cb("r", "adj", "+15")))
    )
    rows.append((Button(b["confirm"], cb("r", "ok")), Button(b["cancel"], cb("r", "x"))))
    return Screen(text, tuple(rows))


def day_picker(content: Content, draft: Draft) -> Screen:
    t = _texts(content)
    names = t.weekdays
    toggles = [
        Button(("✅ " if draft.days & (1 << i) else "") + name, cb("r", "day", str(i)))
        for i, name in enumerate(names)
    ]
    rows: list[tuple[Button, ...]] = [tuple(toggles[:4]), tuple(toggles[4:])]
    rows.append((Button(t.buttons["confirm"], cb("r", "days")),
                 Button(t.buttons["cancel"], cb("r", "x"))))  # fmt: skip
    chosen = day_names(content, draft.days) or "-"
    return Screen(t.texts["ask_days"].format(days=chosen), tuple(rows))


def lead_picker(content: Content) -> Screen:
    t = _texts(content)
    leads = tuple(Button(t.buttons[f"lead_{n}"], cb("r", "lead", str(n))) for n in LEADS)
    return Screen(t.texts["ask_lead"], (leads, (Button(t.buttons["cancel"], cb("r", "x")),)))


def saved(content: Content, draft: Draft, zone: str) -> Screen:
    t = _texts(content)
    key = {"bedtime": "saved_bedtime", "preswim": "saved_preswim", "swim_once": "saved_once"}
    text = t.texts[key[draft.kind]].format(
        time=draft.time, zone=zone, lead=draft.lead, days=day_names(content, draft.days)
    )
    return Screen(text, ((Button(t.buttons["back"], cb("r", "list")),), menu_row(content)))


def reminder_message(content: Content, kind: str, local_time: str, reminder_id: int) -> Screen:
    """What a reminder says when it fires, with Done / Snooze / Stop."""
    t = _texts(content)
    template = t.messages["bedtime" if kind == "bedtime" else "preswim"]
    rid = str(reminder_id)
    return Screen(
        template.format(time=local_time),
        ((Button(t.buttons["done"], cb("r", "done", rid)),
          Button(t.buttons["snooze"], cb("r", "snz", rid))),
         (Button(t.buttons["stop"], cb("r", "stop", rid)),)),
    )  # fmt: skip


def answered(
    content: Content, text: str, note: str, resume_id: int | None = None, **values: str
) -> Screen:
    """A reminder after Done, Snooze or Pause: its own text stays, a line under it says what
    happened and until when; a paused one offers Resume."""
    t = _texts(content)
    body = f"{text}\n\n{t.texts[note].format(**values)}"
    if resume_id is None:
        return Screen(body)
    return Screen(
        body, ((Button(t.buttons["resume"], cb("r", "u", str(resume_id))),), menu_row(content))
    )


def resume_offer(content: Content) -> Screen:
    t = _texts(content)
    return Screen(
        t.texts["resume_offer"],
        ((Button(t.buttons["resume_all"], cb("r", "ra")),),
         (Button(t.buttons["keep_paused"], cb("r", "rk")),)),
    )  # fmt: skip


def all_screens(content: Content) -> list[tuple[str, Screen]]:
    """Every reminder screen, with sample reminders: for the screen checks and the tour."""
    samples = [
        Reminder(1, 1, "bedtime", "22:00", ALL_DAYS, 0, None, True, 0, None),
        Reminder(2, 1, "preswim", "07:00", 0b0010101, 45, None, False, None, "paused"),
        Reminder(3, 1, "swim_once", "18:00", ALL_DAYS, 30, "2026-12-01", True, 0, None),
    ]
    many = [
        Reminder(n, 1, "bedtime", "22:00", ALL_DAYS, 0, None, True, 0, None)
        for n in range(1, MAX_PER_USER + 1)
    ]
    out = [
        ("list, empty", reminder_list(content, [], None)),
        ("list", reminder_list(content, samples, "Europe/London")),
        ("list, zone changed", reminder_list(content, [], "Europe/London", zone_changed=True)),
        ("list, page 2", reminder_list(content, many, "Europe/London", page=1)),
        ("limit reached", limit_reached(content)),
        ("ask zone", ask_zone(content)),
        ("change zone", ask_zone(content, change=True)),
        ("zone not found", ask_zone(content, error=True)),
        ("confirm zone", confirm_zone(content, "Europe/Lisbon", "21:04")),
        ("lead", lead_picker(content)),
        ("resume offer", resume_offer(content)),
    ]
    for kind in PRESETS:
        draft = Draft(kind, DEFAULT_TIME[kind], days=0b0010101)
        out += [
            (f"time {kind}", time_picker(content, draft)),
            (f"time {kind}, bad time", time_picker(content, draft, "bad_time")),
            (f"saved {kind}", saved(content, draft, "Europe/London")),
        ]
    out.append(("days", day_picker(content, Draft("preswim", "07:00", days=0b0010101))))
    for kind in ("bedtime", "preswim"):
        fired = reminder_message(content, kind, "22:00", 1)
        out += [
            (f"reminder {kind}", fired),
            (f"reminder {kind}, done", answered(content, fired.text, "done_note")),
            (f"reminder {kind}, snoozed", answered(content, fired.text, "snoozed_note",
                                                    time="22:10")),
            (f"reminder {kind}, paused", answered(content, fired.text, "stopped_note", 1)),
        ]  # fmt: skip
    return out
