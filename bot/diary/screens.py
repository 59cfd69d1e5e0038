"""The diary's screens and texts, built from content/<lang>/diary.toml. Pure: no Telegram.

Callback data (kind "d") carries what a screen needs, so a draft or an unsaved cramp lives in
its buttons and survives a restart without a row in the database: nothing is stored before the
person says Yes, or taps Save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.callbacks import Callback, as_id, cb
from bot.content import Content, DiaryTexts
from bot.diary.chart import ChartLabels
from bot.diary.dates import format_date
from bot.diary.doctor import Reason
from bot.diary.entries import MUSCLES, PLACES, SIDES, Entry, local_time
from bot.diary.export import TABLE_ROWS, PdfPage, Row
from bot.diary.summary import Summary
from bot.telegram_html import escape
from bot.text_schema import uses
from bot.views import Button, Screen, menu_row

uses(__name__, "reminders.toml", "buttons", "timezone")  # the time-zone button
uses(
    __name__,
    "diary.toml",
    "texts",
    "consent_ask intro what_is_stored summary_header(first, last) summary_empty "
    "summary_weeks(last_week, this_week) summary_times(daytime, night, water) "
    "summary_best(method, times) summary_best_none summary_longest(date, minutes) "
    "summary_stretch(after, other) summary_footer summary_no_zone "
    "chart_caption(first, last) doctor_lead doctor_tail "
    "past_confirm(guess, place, severe, when, where) past_guess past_where(part) "
    "past_severe past_pick_day past_saved(place, when) edit_pick edit_none "
    "edit_entry(helped, minutes, place, severe, tried, when, where) nothing "
    "off_ask(count) weekly_note(chart, first, last, total) "
    "weekly_line(bar, count, day, stretch) weekly_stretch_mark weekly_legend "
    "reason_frequent(days, weeks) reason_sleep(days, nights) "
    "reason_severe(count, days) reason_long(limit, minutes) "
    "reason_stretch(count, days) ",
)

uses(
    __name__,
    "diary.toml",
    "buttons",
    "yes no what add share edit medicines weekly_on weekly_off stop save cancel "
    "earlier later severe_on severe_off delete delete_all keep diary back last_night "
    "today yesterday two_days place_bed place_land place_water ",
)

# A cramp's place in words: each side with each muscle, and each alone. The content says the
# order and the agreement ("left calf", "pantorrilla izquierda", "левая икра", "左小腿").
uses(
    __name__,
    "diary.toml",
    "where",
    " ".join([*(f"{side}_{muscle}" for side in SIDES for muscle in MUSCLES), *SIDES, *MUSCLES]),
)

PLACE_CODES = {"bed": "b", "land": "l", "water": "w"}
SIDE_CODES = {"left": "l", "right": "r", "both": "b"}
MUSCLE_CODES = {"calf": "c", "foot": "f"}
NONE = "-"
EDIT_LIST = 6  # entries offered for change or delete


def _code(table: dict[str, str], value: str | None) -> str:
    return table.get(value or "", NONE)


def _decode(table: dict[str, str], code: str) -> str | None:
    for value, c in table.items():
        if c == code:
            return value
    return None


@dataclass(frozen=True)
class Draft:
    """A cramp not yet saved: a past one being set, or the one a relief flow just ended with
    (waiting for the consent answer)."""

    utc: int
    place: str
    side: str | None = None
    muscle: str | None = None
    severe: bool = False
    minutes: int | None = None
    tried: tuple[str, ...] = ()
    helped: str | None = None

    def args(self, methods: Sequence[str]) -> tuple[str, ...]:
        mask = sum(1 << i for i, m in enumerate(methods) if m in self.tried)
        helped = str(methods.index(self.helped)) if self.helped in methods else NONE
        return (
            str(self.utc),
            _code(PLACE_CODES, self.place)
            + _code(SIDE_CODES, self.side)
            + _code(MUSCLE_CODES, self.muscle)
            + ("s" if self.severe else NONE),
            NONE if self.minutes is None else str(self.minutes),
            str(mask),
            helped,
        )

    @classmethod
    def from_args(cls, args: Sequence[str], methods: Sequence[str]) -> Draft | None:
        """The draft in callback arguments, or None when they are not one (forged, old)."""
        if len(args) != 5:
            return None
        utc, codes, minutes, mask, helped = args
        place = _decode(PLACE_CODES, codes[:1])
        if as_id(utc) is None or len(codes) != 4 or place is None:
            return None
        if minutes != NONE and (as_id(minutes) is None or int(minutes) > 24 * 60):
            return None
        if as_id(mask) is None or (helped != NONE and as_id(helped) is None):
            return None
        bits = int(mask)
        return cls(
            utc=int(utc),
            place=place,
            side=_decode(SIDE_CODES, codes[1]),
            muscle=_decode(MUSCLE_CODES, codes[2]),
            severe=codes[3] == "s",
            minutes=None if minutes == NONE else int(minutes),
            tried=tuple(m for i, m in enumerate(methods) if bits >> i & 1),
            helped=methods[int(helped)] if helped != NONE and int(helped) < len(methods) else None,
        )


def methods_of(content: Content) -> tuple[str, ...]:
    """Every relief method id, in a fixed order (for the callback masks)."""
    assert content.flows is not None
    return tuple(content.flows.methods)


def _diary(content: Content) -> DiaryTexts:
    assert content.diary is not None
    return content.diary


def _b(content: Content, key: str, *args: str) -> Button:
    return Button(_diary(content).buttons[key], cb("d", *args))


def text(content: Content, key: str, **values: object) -> str:
    return _diary(content).texts[key].format(**values)


def toast(content: Content, key: str) -> str:
    return _diary(content).texts[key]


# --- consent ------------------------------------------------------------------------------


def consent(content: Content, draft: Draft | None, *, intro: bool = False) -> Screen:
    """Ask once: Yes / No / What is stored. A cramp that just ended rides in the Yes button."""
    extra = draft.args(methods_of(content)) if draft else ()
    rows = (
        (_b(content, "yes", "y", *extra),),
        (_b(content, "no", "n"),),
        (_b(content, "what", "w", *extra),),
    )
    return Screen(text(content, "intro" if intro else "consent_ask"), rows)


def what_is_stored(content: Content, draft: Draft | None) -> Screen:
    extra = draft.args(methods_of(content)) if draft else ()
    rows = ((_b(content, "yes", "y", *extra),), (_b(content, "no", "n"),))
    return Screen(text(content, "what_is_stored"), rows)


# --- the month ----------------------------------------------------------------------------


def method_name(content: Content, method: str | None) -> str:
    assert content.flows is not None
    if method is None:
        return text(content, "nothing")
    return content.flows.methods.get(method, method)


def _per_night(value: float) -> str:
    return f"{value:.1f}"


def doctor_note(content: Content, reasons: Sequence[Reason]) -> str:
    """The calm "see a doctor soon" note with the diary's reasons; empty when none applies."""
    if not reasons:
        return ""
    lines = [text(content, "doctor_lead")]
    lines += [text(content, f"reason_{r.id}", **r.values) for r in reasons]
    lines.append(text(content, "doctor_tail"))
    return "\n".join(lines)


def summary_text(
    content: Content, summary: Summary, reasons: Sequence[Reason], language: str
) -> str:
    def day(d: date) -> str:
        return format_date(d, language, "day")

    parts = [text(content, "summary_header", first=day(summary.first), last=day(summary.last))]
    if summary.total == 0:
        parts.append(text(content, "summary_empty"))
    else:
        lines = [
            text(
                content, "summary_weeks", this_week=summary.this_week, last_week=summary.last_week
            ),
            text(
                content,
                "summary_times",
                night=summary.night,
                daytime=summary.daytime,
                water=summary.water,
            ),
        ]
        if summary.best:
            method, times = summary.best
            lines.append(
                text(content, "summary_best", method=method_name(content, method), times=times)
            )
        else:
            lines.append(text(content, "summary_best_none"))
        if summary.longest is not None:
            lines.append(
                text(
                    content,
                    "summary_longest",
                    minutes=summary.longest.minutes_to_ease,
                    date=day(summary.longest.day()),
                )
            )
        parts.append("\n".join(lines))
    if summary.after_stretch is not None and summary.other_nights is not None:
        parts.append(
            text(
                content,
                "summary_stretch",
                after=_per_night(summary.after_stretch),
                other=_per_night(summary.other_nights),
            )
        )
    note = doctor_note(content, reasons)
    if note:
        parts.append(note)
    parts.append(text(content, "summary_footer"))
    return "\n\n".join(parts)


def diary_buttons(
    content: Content, *, weekly: bool, entries: bool, zone_known: bool = True
) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = [(_b(content, "add", "add"),)]
    if not zone_known and content.reminders is not None:
        # The reminders' own time-zone step (and label): one place to set it.
        rows.append((Button(content.reminders.buttons["timezone"], cb("r", "tz")),))
    if entries:
        rows.append((_b(content, "share", "sh"), _b(content, "edit", "ed")))
    rows.append(
        (_b(content, "medicines", "md"), _b(content, "weekly_off" if weekly else "weekly_on", "wk"))
    )
    rows.append((_b(content, "stop", "off"),))
    rows.append(menu_row(content))
    return tuple(rows)


def diary_screen(
    content: Content,
    summary: Summary,
    reasons: Sequence[Reason],
    language: str,
    *,
    weekly: bool,
    entries: bool,
    zone_known: bool,
) -> Screen:
    text = summary_text(content, summary, reasons, language)
    if not zone_known:  # above the closing line
        body, _, footer = text.rpartition("\n\n")
        text = f"{body}\n\n{_diary(content).texts['summary_no_zone']}\n\n{footer}"
    return Screen(
        text, diary_buttons(content, weekly=weekly, entries=entries, zone_known=zone_known)
    )


def chart_labels(content: Content, summary: Summary, language: str) -> ChartLabels:
    chart = _diary(content).chart
    return ChartLabels(
        title=chart["title"],
        land=chart["land"],
        water=chart["water"],
        stretch=chart["stretch"],
        y_axis=chart["y_axis"],
        dates=tuple(format_date(d.day, language, "day") for d in summary.days),
    )


def chart_caption(content: Content, summary: Summary, language: str) -> str:
    return text(
        content,
        "chart_caption",
        first=format_date(summary.first, language, "day"),
        last=format_date(summary.last, language, "day"),
    )


# --- a past cramp -------------------------------------------------------------------------


def place_name(content: Content, place: str) -> str:
    return _diary(content).names[place]


def where(content: Content, side: str | None, muscle: str | None) -> str:
    """Side and muscle in the person's language ("" when neither was said)."""
    key = "_".join(w for w in (side, muscle) if w)
    return _diary(content).where[key] if key else ""


def pick_day(content: Content) -> Screen:
    rows = (
        (_b(content, "last_night", "day", "n"), _b(content, "today", "day", "0")),
        (_b(content, "yesterday", "day", "1"), _b(content, "two_days", "day", "2")),
        (_b(content, "cancel", "px"),),
    )
    return Screen(text(content, "past_pick_day"), rows)


def past_confirm(
    content: Content, draft: Draft, zone: str, language: str, *, guessed: bool = False
) -> Screen:
    methods = methods_of(content)
    moment = local_time(draft.utc, zone)
    part = where(content, draft.side, draft.muscle)
    body = text(
        content,
        "past_confirm",
        when=format_date(moment, language, "when"),
        guess=text(content, "past_guess") if guessed else "",
        place=place_name(content, draft.place),
        where=text(content, "past_where", part=part) if part else "",
        severe=text(content, "past_severe") if draft.severe else "",
    )
    nxt = PLACES[(PLACES.index(draft.place) + 1) % len(PLACES)]
    rows = (
        (
            _b(content, "earlier", "pt", *replace(draft, utc=draft.utc - 3600).args(methods)),
            _b(content, "later", "pt", *replace(draft, utc=draft.utc + 3600).args(methods)),
        ),
        (
            _b(content, f"place_{draft.place}", "pt", *replace(draft, place=nxt).args(methods)),
            _b(
                content,
                "severe_off" if draft.severe else "severe_on",
                "pt",
                *replace(draft, severe=not draft.severe).args(methods),
            ),
        ),
        (_b(content, "save", "sv", *draft.args(methods)), _b(content, "cancel", "px")),
    )
    return Screen(body, rows)


def draft_for_day(choice: str, now_local: datetime) -> Draft | None:
    """A button's day ("n" last night, "0" today, "1", "2" days back) at a typical hour."""
    today = now_local.date()
    if choice == "n":
        day, hour, place = today, 2, "bed"
    elif choice in ("0", "1", "2"):
        day, hour, place = today - timedelta(days=int(choice)), 12, "land"
        if choice == "0" and now_local.hour <= hour:
            hour = max(now_local.hour - 1, 0)
    else:
        return None
    moment = now_local.replace(
        year=day.year, month=day.month, day=day.day, hour=hour, minute=0, second=0, microsecond=0
    )
    return Draft(int(moment.timestamp()), place)


def saved(content: Content, draft: Draft, zone: str, language: str) -> Screen:
    body = text(
        content,
        "past_saved",
        when=format_date(local_time(draft.utc, zone), language, "when"),
        place=place_name(content, draft.place),
    )
    return Screen(body, ((_b(content, "diary", "show"),), menu_row(content)))


# --- change or delete ---------------------------------------------------------------------


def edit_list(content: Content, entries: Sequence[Entry], language: str) -> Screen:
    if not entries:
        return Screen(text(content, "edit_none"), ((_b(content, "back", "show"),),))
    rows = [
        (
            Button(
                f"{format_date(e.local(), language, 'when')} · {place_name(content, e.place)}"[:40],
                cb("d", "e", str(e.id)),
            ),
        )
        for e in entries[:EDIT_LIST]
    ]
    rows.append((_b(content, "back", "show"),))
    return Screen(text(content, "edit_pick"), tuple(rows))


def entry_screen(content: Content, entry: Entry, language: str) -> Screen:
    part = where(content, entry.side, entry.muscle)
    tried = ", ".join(method_name(content, m) for m in entry.tried) or text(content, "nothing")
    body = text(
        content,
        "edit_entry",
        when=format_date(entry.local(), language, "when"),
        place=place_name(content, entry.place),
        where=text(content, "past_where", part=part) if part else "",
        severe=text(content, "past_severe") if entry.severe else "",
        tried=escape(tried),
        helped=escape(method_name(content, entry.helped)),
        minutes=text(content, "nothing")
        if entry.minutes_to_ease is None
        else entry.minutes_to_ease,
    )
    i = str(entry.id)
    rows = (
        (_b(content, "earlier", "ee", i), _b(content, "later", "el", i)),
        (
            _b(content, f"place_{entry.place}", "ep", i),
            _b(content, "severe_off" if entry.severe else "severe_on", "es", i),
        ),
        (_b(content, "delete", "ex", i),),
        (_b(content, "back", "ed"),),
    )
    return Screen(body, rows)


# --- stop ---------------------------------------------------------------------------------


def off_screen(content: Content, count: int) -> Screen:
    rows = ((_b(content, "delete_all", "del"),), (_b(content, "keep", "keep"),))
    return Screen(text(content, "off_ask", count=count), rows)


def plain(content: Content, key: str, **values: object) -> Screen:
    return Screen(text(content, key, **values), (menu_row(content),))


# --- for the doctor -----------------------------------------------------------------------


def pdf_page(
    content: Content,
    summary: Summary,
    entries: Sequence[Entry],
    medicines: str,
    zone: str,
    language: str,
) -> PdfPage:
    diary = _diary(content)
    chart, names = diary.chart, diary.names

    def day(d: date) -> str:
        return format_date(d, language, "full")

    lines = [
        chart["pdf_summary"].format(
            total=summary.total,
            this_week=summary.this_week,
            last_week=summary.last_week,
            night=summary.night,
            daytime=summary.daytime,
            water=summary.water,
            severe=summary.severe,
        )
    ]
    if summary.longest is not None:
        lines.append(
            chart["pdf_longest"].format(
                minutes=summary.longest.minutes_to_ease, date=day(summary.longest.day())
            )
        )
    if summary.after_stretch is not None and summary.other_nights is not None:
        lines.append(
            chart["pdf_stretch"].format(
                after=_per_night(summary.after_stretch), other=_per_night(summary.other_nights)
            )
        )
    newest = sorted(entries, key=lambda e: -e.occurred_utc)
    rows = tuple(
        Row(
            date=format_date(e.local(), language, "full"),
            time=format_date(e.local(), language, "time"),
            place=names[e.place],
            where=where(content, e.side, e.muscle),
            tried=", ".join(names.get(f"method_{m}", m) for m in e.tried),
            helped=names.get(f"method_{e.helped}", e.helped) if e.helped else "",
            minutes="" if e.minutes_to_ease is None else str(e.minutes_to_ease),
            severe=names["yes"] if e.severe else "",
        )
        for e in newest[:TABLE_ROWS]
    )
    helped: dict[str, int] = {}
    for e in entries:
        if e.helped:
            helped[e.helped] = helped.get(e.helped, 0) + 1
    helped_lines = tuple(
        chart["pdf_helped_line"].format(method=method_name(content, m), times=n)
        for m, n in sorted(helped.items(), key=lambda kv: -kv[1])
    )
    more = len(newest) - TABLE_ROWS
    return PdfPage(
        title=chart["pdf_title"],
        period=chart["pdf_period"].format(
            first=day(summary.first), last=day(summary.last), zone=zone
        ),
        summary=tuple(lines),
        columns=diary.pdf_columns,
        rows=rows,
        more=chart["pdf_more"].format(count=more) if more > 0 else "",
        helped_title=chart["pdf_helped_title"],
        helped=helped_lines,
        medicines_title=chart["pdf_medicines_title"],
        medicines=medicines,
        footer=chart["pdf_footer"],
    )


# --- the weekly note ----------------------------------------------------------------------

BAR = "▇"
MAX_BAR = 8


def weekly_note(
    content: Content, entries: Sequence[Entry], stretched: set[date], last: date, language: str
) -> str:
    """The week to `last` (the person's Sunday) as a text chart: one line a day."""
    first = last - timedelta(days=6)
    counts = {first + timedelta(days=i): 0 for i in range(7)}
    for e in entries:
        if e.day() in counts:
            counts[e.day()] += 1
    lines = [
        text(
            content,
            "weekly_line",
            day=format_date(d, language, "weekday").ljust(4)[:4],
            bar=(BAR * min(n, MAX_BAR)).ljust(MAX_BAR) if n else "·".ljust(MAX_BAR),
            count=n,
            stretch=text(content, "weekly_stretch_mark") if d in stretched else "",
        )
        for d, n in counts.items()
    ]
    chart = "\n".join([*lines, text(content, "weekly_legend")])
    return text(
        content,
        "weekly_note",
        first=format_date(first, language, "day"),
        last=format_date(last, language, "day"),
        chart=chart,
        total=sum(counts.values()),
    )


def parse_callback(parsed: Callback) -> tuple[str, tuple[str, ...]]:
    return parsed.arg(0), parsed.args[1:]
