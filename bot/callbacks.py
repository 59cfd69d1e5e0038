"""Callback data for inline buttons: short, versioned, validated on the way back in.

Format: `v1:<kind>[:<arg>...]`, at most 64 bytes (Telegram's limit). Anything that does not
decode (an old version, a forged or truncated string) becomes `None`, and the handler answers
with a friendly "out of date" instead of a traceback. Pure: no Telegram imports.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.telegram_html import MAX_CALLBACK_DATA

VERSION = "v1"
_PART = re.compile(r"^[a-z0-9_+-]{1,40}$")


class Kind(StrEnum):
    """What a button is about: the second part of its callback data (short: 64 bytes)."""

    MAIN_MENU = "m"
    MENU = "n"  # a topic menu: menu id
    TOPIC = "t"  # a topic: topic id [, menu id it was opened from, for Back]
    HELP = "h"
    ABOUT = "a"
    FORGET = "fg"  # forget: an Answer
    FLOW = "f"  # flow: flow id, step id, action [, extra]
    REMINDERS = "r"  # reminders: action [, args]
    LANGUAGE = "lg"  # language: [language code [, "keep" after an offer]]; none: the chooser
    DIARY = "d"  # diary: action [, args] (a draft entry takes five)


class Answer(StrEnum):
    """The answer a yes/no button carries."""

    YES = "y"
    NO = "n"


# Flow buttons that (re)start a flow carry this step and action.
NEW_FLOW = ("new", "go")

# kind -> how many arguments it takes (min, max)
KINDS: dict[str, tuple[int, int]] = {
    Kind.MAIN_MENU: (0, 0),
    Kind.MENU: (1, 1),
    Kind.TOPIC: (1, 2),
    Kind.HELP: (0, 0),
    Kind.ABOUT: (0, 0),
    Kind.FORGET: (1, 1),
    Kind.FLOW: (2, 4),
    Kind.REMINDERS: (1, 4),
    Kind.LANGUAGE: (0, 2),
    Kind.DIARY: (1, 6),
}


@dataclass(frozen=True)
class Callback:
    kind: Kind
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((VERSION, self.kind, *self.args))
        if len(data.encode()) > MAX_CALLBACK_DATA:
            raise ValueError(f"callback data over {MAX_CALLBACK_DATA} bytes: {data!r}")
        return data

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default

    def int_arg(self, index: int) -> int | None:
        """Argument `index` as a row id, or None when it is not one (a forged huge number
        would overflow SQLite's 64-bit integers)."""
        return as_id(self.arg(index))


MAX_ID = 2**63 - 1


def as_id(text: str) -> int | None:
    if not text or len(text) > 19 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= MAX_ID else None


@functools.lru_cache(maxsize=4096)
def cb(kind: str, *args: str) -> str:
    """Encode a callback after checking it against KINDS (a programming error raises).
    Remembered: every screen drawn encodes its buttons, mostly the same few hundred."""
    if kind not in KINDS:
        raise ValueError(f"unknown callback kind {kind!r}")
    low, high = KINDS[kind]
    if not low <= len(args) <= high or not all(_PART.match(a) for a in args):
        raise ValueError(f"bad arguments for {kind!r}: {args!r}")
    return Callback(Kind(kind), args).encode()


def decode(data: str | None) -> Callback | None:
    if not data or len(data.encode()) > MAX_CALLBACK_DATA:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION or parts[1] not in KINDS:
        return None
    kind, args = Kind(parts[1]), tuple(parts[2:])
    low, high = KINDS[kind]
    if not low <= len(args) <= high or not all(_PART.match(a) for a in args):
        return None
    return Callback(kind, args)
