"""Load and validate `content/<language>/` into immutable objects.

Every text a person sees, every button label and every routing keyword lives in TOML files there.
They are read once at start-up; any broken file stops start-up with a `ContentError` naming the
file and the key. A second language is a second folder with the same files: no code changes.
No Telegram imports here.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.classifier import Blend
from bot.diary.parse import PastWords
from bot.intents import INTENTS, ROUTABLE_INTENTS
from bot.routing_cues import Cue
from bot.telegram_html import MAX_TEXT, html_error, visible_length
from bot.warning_signs import WarningSpec, parse_spec

MAX_BUTTON_LABEL = 40
MAX_TOPIC_BODY = 1500


class ContentError(Exception):
    """A content file is missing, malformed or breaks a rule."""

    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        super().__init__(f"{file}: [{key}] {problem}")
        self.file = str(file)
        self.key = key


@dataclass(frozen=True)
class Topic:
    id: str
    intent: str
    title: str
    button: str
    body: str
    sources: str
    related: tuple[str, ...]
    keywords: tuple[str, ...]
    file: str


@dataclass(frozen=True)
class Menu:
    id: str
    title: str
    button: str
    text: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class FlowStep:
    id: str
    text: str
    buttons: tuple[str, ...]
    method: str | None = None
    timer: int = 0


@dataclass(frozen=True)
class FlowDef:
    id: str
    start: str
    steps: Mapping[str, FlowStep]
    methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowTexts:
    """Everything flows.toml holds: labels, shared texts, method names and the flows."""

    buttons: Mapping[str, str]
    texts: Mapping[str, str]
    methods: Mapping[str, str]
    flows: Mapping[str, FlowDef]


@dataclass(frozen=True)
class ReminderTexts:
    """reminders.toml: the reminder messages and the set-up and management screens."""

    messages: Mapping[str, str]
    buttons: Mapping[str, str]
    weekdays: tuple[str, ...]
    texts: Mapping[str, str]
    # [wording]: the Babel locale dates and times are written in ('en_GB': 'Wed 26 Nov').
    babel_locale: str = "en"
    # [parser]: the words of each idea in a typed request, [parser.days], [parser.numbers].
    parser_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parser_days: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parser_numbers: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DiaryTexts:
    """diary.toml: the cramp diary's screens, names, chart and PDF labels, and the words that
    read a past cramp (bot/diary/parse.py)."""

    texts: Mapping[str, str]
    buttons: Mapping[str, str]
    names: Mapping[str, str]
    chart: Mapping[str, str]
    pdf_columns: tuple[str, ...]
    csv_columns: tuple[str, ...]
    words: PastWords
    # [where]: a cramp's place in words, side and muscle in the language's order and
    # agreement ("left_calf" = "pantorrilla izquierda"), and each alone ("left", "calf").
    where: Mapping[str, str] = field(default_factory=dict)
    # [medicines]: word lists; `clear` are the answers that empty the medicines list.
    medicines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


REMINDER_KINDS = ("bedtime", "preswim")
REMINDER_TOASTS = (
    "paused",
    "resumed",
    "deleted",
    "done_ack",
    "snoozed",
    "stale",
    "no_days",
    "undo_late",
)


# The button names a flow step may use; each is an action the flow engine knows.
FLOW_ACTIONS = frozenset(
    {"eased", "next", "severe", "bed", "swim", "out", "still", "restart", "remind_bedtime",
     "remind_preswim", "not_sure", "menu"}
)  # fmt: skip
FLOW_TOASTS = ("stale", "already")


@dataclass(frozen=True)
class Content:
    language: str
    texts: Mapping[str, str]
    buttons: Mapping[str, str]
    commands: Mapping[str, str]
    topics: Mapping[str, Topic]
    menus: Mapping[str, Menu]
    warnings: WarningSpec
    stop_words: tuple[str, ...] = ()
    generic_words: tuple[str, ...] = ()
    places: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    anchors: tuple[str, ...] = ()
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    now_words: tuple[str, ...] = ()
    now_phrases: tuple[str, ...] = ()
    not_now: tuple[str, ...] = ()
    cues: tuple[Cue, ...] = ()
    blend: Blend = field(default_factory=Blend)
    flows: FlowTexts | None = None
    reminders: ReminderTexts | None = None
    diary: DiaryTexts | None = None

    def text(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)

    def button(self, key: str) -> str:
        return self.buttons[key]

    def topic_for_intent(self, intent: str) -> Topic:
        return self.topics[intent]

    def topic_page(self, topic: Topic) -> str:
        """The whole message for a topic: bold title, body, sources line."""
        return self.text(
            "topic_page", title=topic.title, body=topic.body.strip(), sources=topic.sources
        )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ContentError(path, "-", "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, "-", f"is not valid TOML: {exc}") from None


def _check_text(
    path: Path, key: str, text: object, *, max_len: int = MAX_TEXT, allow_empty: bool = False
) -> str:
    if not isinstance(text, str) or not (text.strip() or allow_empty):
        raise ContentError(path, key, "must be a non-empty string")
    problem = html_error(text)
    if problem:
        raise ContentError(path, key, f"is not valid Telegram HTML: {problem}")
    # Placeholders must be simple names, so str.format can never reach attributes.
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ContentError(path, key, f"has a broken {{placeholder}}: {exc}") from None
    for name in fields:
        if not name.isidentifier():
            raise ContentError(path, key, f"placeholder {{{name}}} must be a plain name")
    if visible_length(text) > max_len:
        raise ContentError(path, key, f"is longer than {max_len} characters")
    return text


def _check_label(path: Path, key: str, label: object) -> str:
    if not isinstance(label, str) or not label.strip() or "\n" in label:
        raise ContentError(path, key, "must be a one-line, non-empty string")
    if len(label) > MAX_BUTTON_LABEL:
        raise ContentError(path, key, f"is longer than {MAX_BUTTON_LABEL} characters")
    return label


def _str_table(path: Path, data: dict[str, Any], section: str) -> dict[str, str]:
    table = data.get(section)
    if not isinstance(table, dict):
        raise ContentError(path, section, "table is missing")
    return {str(k): v for k, v in table.items()}


def _load_topics(folder: Path) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ContentError(folder, "-", "no topic files")
    for path in files:
        entries = _read_toml(path).get("topic")
        if not isinstance(entries, list) or not entries:
            raise ContentError(path, "topic", "needs at least one [[topic]] table")
        for n, raw in enumerate(entries):
            topic = _topic(path, n, raw, topics)
            topics[topic.id] = topic
    for topic in topics.values():
        for rid in topic.related:
            if rid not in topics:
                raise ContentError(topic.file, f"topic.{topic.id}.related", f"no topic {rid!r}")
    return topics


def _topic(path: Path, n: int, raw: dict[str, Any], topics: Mapping[str, Topic]) -> Topic:
    """One [[topic]] table, checked (`topics`: the ones read so far, for unique ids)."""
    tid = raw.get("id")
    where = f"topic.{tid or n}"
    if not isinstance(tid, str) or not tid.isidentifier():
        raise ContentError(path, where, "id must be a lowercase identifier")
    if tid in topics:
        raise ContentError(path, where, f"id is also used in {topics[tid].file}")
    intent = raw.get("intent")
    if intent not in ROUTABLE_INTENTS:
        raise ContentError(path, f"{where}.intent", f"{intent!r} is not an intent id")
    keywords = raw.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise ContentError(path, f"{where}.keywords", "must be a list of strings")
    related = raw.get("related", [])
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise ContentError(path, f"{where}.related", "must be a list of topic ids")
    sources = raw.get("sources", "")
    if not isinstance(sources, str):
        raise ContentError(path, f"{where}.sources", "must be a string")
    return Topic(
        id=tid,
        intent=intent,
        title=_check_text(path, f"{where}.title", raw.get("title"), max_len=120),
        button=_check_label(path, f"{where}.button", raw.get("button")),
        body=_check_text(path, f"{where}.body", raw.get("body"), max_len=MAX_TOPIC_BODY),
        sources=sources,
        related=tuple(related),
        keywords=tuple(k.strip().lower() for k in keywords if k.strip()),
        file=str(path),
    )


def _load_menus(path: Path, topics: Mapping[str, Topic]) -> dict[str, Menu]:
    menus: dict[str, Menu] = {}
    for n, raw in enumerate(_read_toml(path).get("menu", [])):
        mid = raw.get("id")
        where = f"menu.{mid or n}"
        if not isinstance(mid, str) or mid in menus:
            raise ContentError(path, where, "id must be a unique string")
        items = tuple(raw.get("items", []))
        if not items:
            raise ContentError(path, f"{where}.items", "must list topic ids")
        for item in items:
            if item not in topics:
                raise ContentError(path, f"{where}.items", f"no topic {item!r}")
        menus[mid] = Menu(
            id=mid,
            title=_check_text(path, f"{where}.title", raw.get("title"), max_len=120),
            button=_check_label(path, f"{where}.button", raw.get("button")),
            text=_check_text(path, f"{where}.text", raw.get("text")),
            items=items,
        )
    return menus


def _load_flows(path: Path) -> FlowTexts:
    data = _read_toml(path)
    buttons = {
        k: _check_label(path, f"buttons.{k}", v)
        for k, v in _str_table(path, data, "buttons").items()
    }
    unknown = set(buttons) - FLOW_ACTIONS
    if unknown:
        raise ContentError(path, "buttons", f"unknown action(s) {sorted(unknown)}")
    texts = {
        k: _check_text(path, f"texts.{k}", v) for k, v in _str_table(path, data, "texts").items()
    }
    for toast in FLOW_TOASTS:
        if toast in texts and (len(texts[toast]) > 200 or "<" in texts[toast]):
            raise ContentError(path, f"texts.{toast}", "a toast is plain text of <= 200 characters")
    methods = {k: str(v) for k, v in _str_table(path, data, "methods").items()}
    flows = {
        flow_id: _flow(path, flow_id, raw, buttons, methods)
        for flow_id, raw in data.get("flow", {}).items()
    }
    return FlowTexts(
        MappingProxyType(buttons), MappingProxyType(texts), MappingProxyType(methods),
        MappingProxyType(flows),
    )  # fmt: skip


def _flow(
    path: Path, flow_id: str, raw: dict[str, Any], buttons: Mapping[str, str],
    methods: Mapping[str, str],
) -> FlowDef:  # fmt: skip
    """One [flow.<id>] table: its steps, methods and start, checked against the labels and
    method names of the file."""
    where = f"flow.{flow_id}"
    steps = {
        step_id: _flow_step(path, f"{where}.steps.{step_id}", step_id, step, buttons, methods)
        for step_id, step in raw.get("steps", {}).items()
    }
    flow_methods = tuple(raw.get("methods", []))
    for method in flow_methods:
        if not any(st.method == method for st in steps.values()):
            raise ContentError(path, f"{where}.methods", f"no step for method {method!r}")
    start = raw.get("start", "")
    if start != "method" and start not in steps:
        raise ContentError(path, f"{where}.start", f"no step {start!r}")
    if start == "method" and not flow_methods:
        raise ContentError(path, f"{where}.start", "'method' needs a methods list")
    return FlowDef(flow_id, start, MappingProxyType(steps), flow_methods)


def _flow_step(
    path: Path, key: str, step_id: str, step: dict[str, Any], buttons: Mapping[str, str],
    methods: Mapping[str, str],
) -> FlowStep:  # fmt: skip
    names = step.get("buttons", [])
    for name in names:
        if name not in buttons:
            raise ContentError(path, f"{key}.buttons", f"no button {name!r} in [buttons]")
    method = step.get("method")
    if method is not None and method not in methods:
        raise ContentError(path, f"{key}.method", f"no method {method!r} in [methods]")
    timer = step.get("timer", 0)
    if not isinstance(timer, int) or not 0 <= timer <= 300:
        raise ContentError(path, f"{key}.timer", "must be 0..300 seconds")
    return FlowStep(
        id=step_id,
        text=_check_text(path, f"{key}.text", step.get("text")),
        buttons=tuple(names),
        method=method,
        timer=timer,
    )


def _load_reminders(path: Path) -> ReminderTexts:
    data = _read_toml(path)
    messages = {
        k: _check_text(path, f"messages.{k}", v)
        for k, v in _str_table(path, data, "messages").items()
    }
    for kind in REMINDER_KINDS:
        if kind not in messages:
            raise ContentError(path, f"messages.{kind}", "is missing")
    buttons = {
        k: _check_label(path, f"buttons.{k}", v)
        for k, v in _str_table(path, data, "buttons").items()
    }
    texts = {
        k: _check_text(path, f"texts.{k}", v, allow_empty=k.startswith("state_"))
        for k, v in _str_table(path, data, "texts").items()
    }
    for toast in REMINDER_TOASTS:
        if toast not in texts or len(texts[toast]) > 200 or "<" in texts[toast]:
            raise ContentError(path, f"texts.{toast}", "a toast is plain text of <= 200 characters")
    names = data.get("weekdays", {}).get("names", [])
    if len(names) != 7 or not all(isinstance(n, str) and 0 < len(n) <= 12 for n in names):
        raise ContentError(path, "weekdays.names", "needs seven short day names, Monday first")
    parser = data.get("parser", {})
    if not isinstance(parser, dict):
        raise ContentError(path, "parser", "must be a table")
    words = {
        k: tuple(str(w).lower() for w in v)
        for k, v in parser.items()
        if k not in ("days", "numbers") and isinstance(v, list)
    }
    days = {k: tuple(str(w).lower() for w in v) for k, v in parser.get("days", {}).items()}
    numbers = parser.get("numbers", {})
    if not all(isinstance(v, int) for v in numbers.values()):
        raise ContentError(path, "parser.numbers", "values must be whole numbers")
    locale = data.get("wording", {}).get("babel_locale", "en")
    return ReminderTexts(
        MappingProxyType(messages), MappingProxyType(buttons), tuple(names),
        MappingProxyType(texts), str(locale), MappingProxyType(words), MappingProxyType(days),
        MappingProxyType(dict(numbers)),
    )  # fmt: skip


DIARY_TABLES = ("parts", "places", "sides", "muscles")
DIARY_LISTS = ("cramp", "last_night", "yesterday", "today", "ago", "day_units", "hour_units",
               "minute_units", "am", "pm", "around", "now", "severe")  # fmt: skip
PDF_COLUMNS = 8
CSV_COLUMNS = 11


def _words(path: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
        raise ContentError(path, key, "must be a non-empty list of words")
    return tuple(w.lower() for w in value)


def _columns(path: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise ContentError(path, key, "must be a list of column names")
    return tuple(value)


def _load_diary(path: Path) -> DiaryTexts:
    data = _read_toml(path)
    texts = {
        k: _check_text(path, f"texts.{k}", v) for k, v in _str_table(path, data, "texts").items()
    }
    for key, text in texts.items():
        if key.endswith("_toast") and (len(text) > 200 or "<" in text):
            raise ContentError(path, f"texts.{key}", "a toast is plain text of <= 200 characters")
    buttons = {
        k: _check_label(path, f"buttons.{k}", v)
        for k, v in _str_table(path, data, "buttons").items()
    }
    names = {
        k: _check_label(path, f"names.{k}", v) for k, v in _str_table(path, data, "names").items()
    }
    chart_raw = _str_table(path, data, "chart")
    pdf_columns = _columns(path, "chart.pdf_columns", chart_raw.pop("pdf_columns", None))
    csv_columns = _columns(path, "chart.csv_columns", chart_raw.pop("csv_columns", None))
    if len(pdf_columns) != PDF_COLUMNS or len(csv_columns) != CSV_COLUMNS:
        raise ContentError(
            path, "chart", f"needs {PDF_COLUMNS} pdf_columns, {CSV_COLUMNS} csv_columns"
        )
    chart = {k: _check_text(path, f"chart.{k}", v) for k, v in chart_raw.items()}
    raw = data.get("words")
    if not isinstance(raw, dict):
        raise ContentError(path, "words", "table is missing")
    lists = {key: _words(path, f"words.{key}", raw.get(key)) for key in DIARY_LISTS}
    tables: dict[str, dict[str, tuple[str, ...]]] = {}
    for key in DIARY_TABLES:
        table = raw.get(key)
        if not isinstance(table, dict):
            raise ContentError(path, f"words.{key}", "table is missing")
        tables[key] = {k: _words(path, f"words.{key}.{k}", v) for k, v in table.items()}
    weekdays = raw.get("weekdays")
    if not isinstance(weekdays, list) or len(weekdays) != 7:
        raise ContentError(path, "words.weekdays", "needs seven lists of words, Monday first")
    words = PastWords(
        **lists,
        weekdays=tuple(_words(path, "words.weekdays", w) for w in weekdays),
        parts=MappingProxyType(tables["parts"]),
        places=MappingProxyType(tables["places"]),
        sides=MappingProxyType(tables["sides"]),
        muscles=MappingProxyType(tables["muscles"]),
    )
    where = {
        k: _check_label(path, f"where.{k}", v) for k, v in _str_table(path, data, "where").items()
    }
    medicines = {
        k: _words(path, f"medicines.{k}", v) for k, v in _str_table(path, data, "medicines").items()
    }
    return DiaryTexts(
        MappingProxyType(texts), MappingProxyType(buttons), MappingProxyType(names),
        MappingProxyType(chart), pdf_columns, csv_columns, words, MappingProxyType(where),
        MappingProxyType(medicines),
    )  # fmt: skip


def _load_blend(path: Path, raw: object) -> Blend:
    """`[model]`: how much the learned model weighs (share, accept: numbers from 0 to 1)."""
    if not isinstance(raw, dict) or set(raw) - {"share", "accept"}:
        raise ContentError(path, "model", "may hold only share and accept")
    values = dict(raw)
    for key, value in values.items():
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ContentError(path, f"model.{key}", "must be a number from 0 to 1")
    return Blend(**{k: float(v) for k, v in values.items()})


def _load_cues(path: Path, raw: object) -> tuple[Cue, ...]:
    if not isinstance(raw, list):
        raise ContentError(path, "cue", "must be a list of [[cue]] tables")
    cues = []
    for n, entry in enumerate(raw):
        intents = entry.get("intents", [])
        if not intents or any(i not in ROUTABLE_INTENTS for i in intents):
            raise ContentError(path, f"cue.{n}.intents", "must list intent ids")
        words, phrases = entry.get("words", []), entry.get("phrases", [])
        if not all(isinstance(w, str) for w in (*words, *phrases)):
            raise ContentError(path, f"cue.{n}", "words and phrases must be strings")
        cues.append(Cue(tuple(intents), tuple(w.lower() for w in words),
                        tuple(p.lower() for p in phrases)))  # fmt: skip
    return tuple(cues)


def _load_warnings(path: Path, topics: Mapping[str, Topic]) -> WarningSpec:
    try:
        spec = parse_spec(_read_toml(path))
    except (ValueError, KeyError) as exc:
        key, _, problem = str(exc).strip("'").partition(": ")
        raise ContentError(path, key, problem or "is missing") from None
    for sign in spec.signs:
        where = f"sign.{sign.id}"
        _check_text(path, f"{where}.mention", sign.mention)
        _check_text(path, f"{where}.advice", sign.advice)
        for rid in sign.related:
            if rid not in topics:
                raise ContentError(path, f"{where}.related", f"no topic {rid!r}")
    for tier, action in spec.tier_actions.items():
        _check_text(path, f"tiers.{tier}.action", action)
    for key in ("mentioned", "also", "footer", "unknown_number"):
        if key not in spec.texts:
            raise ContentError(path, f"texts.{key}", "is missing")
        _check_text(path, f"texts.{key}", spec.texts[key])
    return spec


# Parity: every language folder has the reference language's files, tables, keys, placeholders,
# buttons and flow steps, and nothing more. Tables whose keys are words of the language itself
# are free; lists of ids must be the same; word lists (keywords...) only need to be there.
REFERENCE_LANGUAGE = "en"
FREE_TABLES = frozenset(
    {"rewrites", "aliases", "durations.numbers", "grammar.symbols", "parser.numbers"}
)
ID_LISTS = frozenset({"buttons", "items", "related", "methods", "intents", "when"})
# Per-language numbers (the learned model's share and accept are chosen per language).
FREE_SCALARS = frozenset({"negation_window", "phrase_gap", "short_stem", "share", "accept"})


def _placeholders(text: str) -> set[str]:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}
    except ValueError:
        return {"<broken>"}


def _compare(ref: object, other: object, where: str, out: list[str]) -> None:
    """Differences between a reference TOML value and a translation's, as "[key] problem"."""
    name = where.rsplit(".", 1)[-1]
    if isinstance(ref, dict):
        _compare_tables(ref, other, where, out)
    elif isinstance(ref, list) and ref and all(isinstance(x, dict) for x in ref):
        _compare_table_lists(ref, other, where, out)
    elif isinstance(ref, list):
        if not isinstance(other, list):
            out.append(f"[{where}] must be a list")
        elif name in ID_LISTS and [str(x) for x in other] != [str(x) for x in ref]:
            out.append(f"[{where}] must be {ref} as in {REFERENCE_LANGUAGE}")
        elif name == "names" and len(other) != len(ref):
            out.append(f"[{where}] needs {len(ref)} entries")
    elif isinstance(ref, str):
        _compare_strings(ref, other, where, out)
    elif name not in FREE_SCALARS and other != ref:
        out.append(f"[{where}] must be {ref!r} as in {REFERENCE_LANGUAGE}")


def _compare_tables(ref: dict[str, Any], other: object, where: str, out: list[str]) -> None:
    if not isinstance(other, dict):
        out.append(f"[{where}] must be a table")
        return
    if any(where == t or where.endswith(f".{t}") for t in FREE_TABLES):
        return
    for key, value in ref.items():
        sub = f"{where}.{key}" if where else str(key)
        if key not in other:
            out.append(f"[{sub}] is missing")
        else:
            _compare(value, other[key], sub, out)
    out.extend(
        f"[{where}.{key}] is extra (not in {REFERENCE_LANGUAGE})" if where else f"[{key}] is extra"
        for key in other
        if key not in ref
    )


def _compare_table_lists(
    ref: list[dict[str, Any]], other: object, where: str, out: list[str]
) -> None:
    """A list of tables ([[topic]], [[cue]]): matched by id when they have one, else in order."""
    if not isinstance(other, list) or not all(isinstance(x, dict) for x in other):
        out.append(f"[{where}] must be a list of tables")
        return
    if all("id" in x for x in ref):
        mine = {x.get("id"): x for x in other}
        for entry in ref:
            sub = f"{where}.{entry['id']}"
            if entry["id"] not in mine:
                out.append(f"[{sub}] is missing")
            else:
                _compare(entry, mine[entry["id"]], sub, out)
        ref_ids = {x["id"] for x in ref}
        out.extend(f"[{where}.{i}] is extra" for i in mine if i not in ref_ids)
    elif len(other) != len(ref):
        out.append(f"[{where}] has {len(other)} entries, {REFERENCE_LANGUAGE} has {len(ref)}")
    else:
        for n, (a, b) in enumerate(zip(ref, other, strict=True)):
            _compare(a, b, f"{where}.{n}", out)


def _compare_strings(ref: str, other: object, where: str, out: list[str]) -> None:
    name = where.rsplit(".", 1)[-1]
    if not isinstance(other, str):
        out.append(f"[{where}] must be a string")
    elif name in ("id", "intent", "tier", "start", "method") and other != ref:
        out.append(f"[{where}] must be {ref!r} as in {REFERENCE_LANGUAGE}")
    elif _placeholders(ref) != _placeholders(other):
        want = ", ".join(f"{{{p}}}" for p in sorted(_placeholders(ref))) or "none"
        out.append(f"[{where}] placeholders must be {want} as in {REFERENCE_LANGUAGE}")


@dataclass(frozen=True)
class ParityProblem:
    """One way a language folder differs in shape from the reference language's."""

    language: str
    file: str  # relative to the language folder
    key: str  # "-" for the file itself
    problem: str

    def __str__(self) -> str:
        return f"{self.language}/{self.file}: [{self.key}] {self.problem}"


def parity_problems(root: Path, language: str) -> list[ParityProblem]:
    """Every way `content/<language>/` differs in shape from the reference language's folder:
    a missing or extra file, table, key, placeholder, button or flow step, one entry each."""
    ref_dir, folder = root / REFERENCE_LANGUAGE, root / language
    if language == REFERENCE_LANGUAGE:
        return []
    ref_files = {p.relative_to(ref_dir) for p in ref_dir.rglob("*.toml")}
    files = {p.relative_to(folder) for p in folder.rglob("*.toml")}
    out = [
        ParityProblem(language, str(f), "-", "file is missing") for f in sorted(ref_files - files)
    ]
    out += [
        ParityProblem(language, str(f), "-", f"file is extra (not in {REFERENCE_LANGUAGE})")
        for f in sorted(files - ref_files)
    ]
    for rel in sorted(ref_files & files):
        found: list[str] = []
        try:
            _compare(_read_toml(ref_dir / rel), _read_toml(folder / rel), "", found)
        except ContentError as exc:
            found = [f"[-] {str(exc).split('] ', 1)[-1]}"]
        for line in found:
            key, _, problem = line[1:].partition("] ")
            out.append(ParityProblem(language, str(rel), key, problem))
    return out


def _load_system(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """system.toml: (texts, buttons, commands), checked."""
    system = _read_toml(path)
    texts = {
        k: _check_text(path, f"texts.{k}", v) for k, v in _str_table(path, system, "texts").items()
    }
    buttons = {
        k: _check_label(path, f"buttons.{k}", v)
        for k, v in _str_table(path, system, "buttons").items()
    }
    commands = _str_table(path, system, "commands")
    for name, description in commands.items():
        if not name.isidentifier() or not name.islower() or len(name) > 32:
            raise ContentError(path, f"commands.{name}", "must be a lowercase command")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise ContentError(path, f"commands.{name}", "needs a 1-256 char description")
    return texts, buttons, commands


def _check_routing(path: Path, routing: dict[str, Any]) -> None:
    """routing.toml: word lists are lists of strings; [needs] and [places] map intents."""
    matching = routing.get("matching", {})
    for key in ("stop_words", "anchors", "generic_words"):
        if not all(isinstance(x, str) for x in matching.get(key, [])):
            raise ContentError(path, f"matching.{key}", "must be a list of words")
    for key in ("now_words", "now_phrases", "not_now"):
        if not all(isinstance(x, str) for x in matching.get(key, [])):
            raise ContentError(path, f"matching.{key}", "must be a list of strings")
    for section in ("needs", "places"):
        for intent, words in routing.get(section, {}).items():
            if intent not in ROUTABLE_INTENTS or not all(isinstance(w, str) for w in words):
                raise ContentError(path, f"{section}.{intent}", "must map an intent to words")


def load_content(root: Path, language: str = "en") -> Content:
    folder = root / language
    if not folder.is_dir():
        raise ContentError(folder, "-", "language folder is missing")

    texts, buttons, commands = _load_system(folder / "system.toml")
    topics = _load_topics(folder / "topics")
    missing = [i for i in INTENTS if i != "fallback" and i not in topics]
    if missing:
        raise ContentError(folder / "topics", "topic", f"no topic for intent(s) {missing}")
    for topic in topics.values():
        if not topic.keywords and topic.id == topic.intent:
            raise ContentError(topic.file, f"topic.{topic.id}.keywords", "needs keywords")

    menus = _load_menus(folder / "menus.toml", topics)

    routing_path = folder / "routing.toml"
    routing = _read_toml(routing_path)
    _check_routing(routing_path, routing)
    matching = routing.get("matching", {})
    stop_words = matching.get("stop_words", [])
    anchors = matching.get("anchors", [])
    generic_words = matching.get("generic_words", [])
    needs = routing.get("needs", {})
    places = routing.get("places", {})

    content = Content(
        language=language,
        texts=MappingProxyType(texts),
        buttons=MappingProxyType(buttons),
        commands=MappingProxyType(commands),
        topics=MappingProxyType(topics),
        menus=MappingProxyType(menus),
        warnings=_load_warnings(folder / "warning_signs.toml", topics),
        stop_words=tuple(w.lower() for w in stop_words),
        generic_words=tuple(w.lower() for w in generic_words),
        anchors=tuple(w.lower() for w in anchors),
        needs=MappingProxyType({i: tuple(w.lower() for w in ws) for i, ws in needs.items()}),
        now_words=tuple(w.lower() for w in matching.get("now_words", [])),
        now_phrases=tuple(w.lower() for w in matching.get("now_phrases", [])),
        not_now=tuple(w.lower() for w in matching.get("not_now", [])),
        cues=_load_cues(routing_path, routing.get("cue", [])),
        blend=_load_blend(routing_path, routing.get("model", {})),
        places=MappingProxyType({i: tuple(w.lower() for w in ws) for i, ws in places.items()}),
        flows=_load_flows(folder / "flows.toml"),
        reminders=_load_reminders(folder / "reminders.toml"),
        diary=_load_diary(folder / "diary.toml"),
    )
    short_names = content.diary.names if content.diary is not None else {}
    for method in content.flows.methods if content.flows is not None else ():
        if f"method_{method}" not in short_names:
            raise ContentError(folder / "diary.toml", f"names.method_{method}", "is missing")
    for topic in topics.values():
        page = content.topic_page(topic)
        if visible_length(page) > MAX_TEXT:
            raise ContentError(topic.file, f"topic.{topic.id}", "page is over 4096 characters")
    return content
