"""Which text keys the code uses, and the placeholders it fills in: the content schema.

Each module that shows texts declares the keys it reads, next to the code that reads them:

    uses(__name__, "system.toml", "texts", "help welcome(name)")

(each key with the placeholders the code fills in). `bot check` gathers every declaration once
(`declarations()`) and checks each language folder against it (`problems()`): a declared key
missing from the folder, a key in the folder that no code declares (unknown or unused), a
placeholder the text uses but the code does not pass ({nme} for {name}), or one the code
passes that the text leaves out. No Telegram imports here: pure code declares too.
"""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.content import Content

# The tables of content/<language>/ whose keys the code names. (Topics, menus, flow steps and
# warning signs are data: the code walks them without naming keys.)
TABLES = (
    ("system.toml", "texts"),
    ("system.toml", "buttons"),
    ("flows.toml", "texts"),
    ("flows.toml", "buttons"),
    ("reminders.toml", "messages"),
    ("reminders.toml", "buttons"),
    ("reminders.toml", "texts"),
    ("reminders.toml", "parser"),  # the ideas a typed request is read with: word lists
    ("warning_signs.toml", "texts"),
    ("diary.toml", "texts"),
    ("diary.toml", "buttons"),
    ("diary.toml", "where"),  # a cramp's side and muscle in words
    ("diary.toml", "medicines"),  # word lists, with no placeholders
)
# The modules that declare keys; `declarations()` imports them so that the schema is whole.
DECLARING_MODULES = (
    "bot.services",
    "bot.flows",
    "bot.views",
    "bot.reminders.screens",
    "bot.reminders.setup",
    "bot.reminders.wording",
    "bot.screen_check",
    "bot.app",
    "bot.handlers.core",
    "bot.handlers.flows",
    "bot.reminders.handlers",
    "bot.handlers.language",
    "bot.reminders.phrases",
    "bot.diary.screens",
    "bot.handlers.diary",
)

Table = tuple[str, str]


@dataclass(frozen=True)
class Declared:
    placeholders: frozenset[str]
    modules: tuple[str, ...]


_SCHEMA: dict[Table, dict[str, Declared]] = {table: {} for table in TABLES}


_SPEC = re.compile(r"\s*([a-z][a-z0-9_]*)(?:\(([a-z0-9_, ]*)\))?\s*")


def uses(module: str, file: str, table: str, spec: str) -> None:
    """Declare that ``module`` reads these keys of ``[table]`` in ``file``. ``spec`` lists
    them separated by spaces, each with the placeholders the code fills in, if any:
    ``"menu welcome(name) footer(number)"``."""
    where = (file, table)
    if where not in _SCHEMA:
        raise ValueError(f"{file} [{table}] is not a table of named keys: {sorted(_SCHEMA)}")
    declared = _SCHEMA[where]
    position = 0
    while position < len(spec.rstrip()):
        match = _SPEC.match(spec, position)
        if match is None or match.end() == position:
            raise ValueError(f"{module}: cannot read key declaration {spec[position:]!r}")
        position = match.end()
        key, names = match.group(1), match.group(2) or ""
        placeholders = frozenset(n.strip() for n in names.split(",") if n.strip())
        known = declared.get(key)
        if known is not None and known.placeholders != placeholders:
            raise ValueError(
                f"{file} [{table}] {key}: declared with {{{', '.join(sorted(placeholders))}}} "
                f"in {module} and {{{', '.join(sorted(known.placeholders))}}} in {known.modules}"
            )
        modules = (*known.modules, module) if known is not None else (module,)
        declared[key] = Declared(placeholders, modules)


def declarations() -> Mapping[Table, Mapping[str, Declared]]:
    """Every declaration, once: imports the declaring modules."""
    for name in DECLARING_MODULES:
        importlib.import_module(name)
    return MappingProxyType({t: MappingProxyType(dict(keys)) for t, keys in _SCHEMA.items()})


def table_of(content: Content, table: Table) -> Mapping[str, str]:
    file, section = table
    if file == "system.toml":
        return content.texts if section == "texts" else content.buttons
    if file == "flows.toml":
        if content.flows is None:
            return {}
        return content.flows.buttons if section == "buttons" else content.flows.texts
    if file == "reminders.toml":
        reminders = content.reminders
        if reminders is None:
            return {}
        if section == "parser":  # lists of words, with no placeholders
            return dict.fromkeys(reminders.parser_words, "")
        return {"messages": reminders.messages, "buttons": reminders.buttons}.get(
            section, reminders.texts
        )
    if file == "diary.toml":
        diary = content.diary
        if diary is None:
            return {}
        if section == "medicines":
            return dict.fromkeys(diary.medicines, "")
        return {"buttons": diary.buttons, "where": diary.where}.get(section, diary.texts)
    return content.warnings.texts


def placeholders_in(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def problems(
    content: Content, schema: Mapping[Table, Mapping[str, Declared]] | None = None
) -> list[str]:
    """What breaks the schema in one language's content; [] when it fits."""
    schema = declarations() if schema is None else schema
    found: list[str] = []
    for table, declared in schema.items():
        file, section = table
        where = f"content/{content.language}/{file} [{section}]"
        texts = table_of(content, table)
        for key in sorted(declared.keys() - texts.keys()):
            found.append(f"{where} {key}: missing (used by {_by(declared[key].modules)})")
        for key in sorted(texts.keys() - declared.keys()):
            found.append(
                f"{where} {key}: no code uses this key (unknown or unused); remove it, or "
                "declare it with uses() next to the code that shows it"
            )
        for key in sorted(declared.keys() & texts.keys()):
            found.extend(_placeholder_problems(f"{where} {key}", texts[key], declared[key]))
    return found


def _placeholder_problems(where: str, text: str, declared: Declared) -> Iterable[str]:
    used = placeholders_in(text)
    passed = declared.placeholders
    for name in sorted(used - passed):
        offered = ", ".join(f"{{{p}}}" for p in sorted(passed)) or "none"
        yield f"{where}: unknown placeholder {{{name}}} (the code passes {offered})"
    for name in sorted(passed - used):
        yield f"{where}: placeholder {{{name}}} is missing from the text"


def _by(modules: tuple[str, ...]) -> str:
    return ", ".join(m or "?" for m in modules)
