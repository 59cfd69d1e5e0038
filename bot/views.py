"""Screens: what a message shows (text + buttons), built from the content. Pure: no Telegram.

Handlers turn a `Screen` into a Telegram message; tests can assert on screens directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.callbacks import cb
from bot.content import Content, Topic


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Screen:
    text: str
    rows: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)


def _pairs(buttons: Sequence[Button]) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def main_menu_rows(content: Content) -> tuple[tuple[Button, ...], ...]:
    menus = content.menus
    topic_menus = [Button(menus[m].button, cb("n", m)) for m in menus]
    rows: list[tuple[Button, ...]] = [(Button(content.button("cramp_now"), cb("t", "cramp_now")),)]
    rows += _pairs(topic_menus)
    rows.append(
        (
            Button(content.button("reminders"), cb("t", "reminders")),
            Button(content.button("about"), cb("a")),
        )
    )
    return tuple(rows)


def main_menu(content: Content, text: str | None = None) -> Screen:
    return Screen(text or content.text("menu"), main_menu_rows(content))


def menu_row(content: Content, back: str | None = None) -> tuple[Button, ...]:
    home = Button(content.button("menu"), cb("m"))
    if back is None:
        return (home,)
    return (Button(content.button("back"), back), home)


def topic_menu(content: Content, menu_id: str) -> Screen:
    menu = content.menus[menu_id]
    items = [Button(content.topics[t].button, cb("t", t, menu_id)) for t in menu.items]
    return Screen(f"<b>{menu.title}</b>\n\n{menu.text}", (*_pairs(items), menu_row(content)))


def topic_screen(
    content: Content, topic: Topic, *, from_menu: str | None = None, lead: str | None = None
) -> Screen:
    """A topic page with its related topics as buttons, then Back (to its menu) and Menu."""
    related = [Button(content.topics[r].button, cb("t", r)) for r in topic.related]
    back = cb("n", from_menu) if from_menu is not None and from_menu in content.menus else None
    text = content.topic_page(topic)
    if lead:
        text = f"{lead}\n\n{text}"
    return Screen(text, (*_pairs(related), menu_row(content, back)))


def did_you_mean(content: Content, intents: Iterable[str], text: str) -> Screen:
    topics = [content.topics[i] for i in intents if i in content.topics]
    buttons = [Button(t.button, cb("t", t.id)) for t in topics[:3]]
    return Screen(text, (*((b,) for b in buttons), menu_row(content)))


def forget_confirm(content: Content) -> Screen:
    return Screen(
        content.text("forget_confirm"),
        ((Button(content.button("forget_yes"), cb("fg", "y")),),
         (Button(content.button("forget_no"), cb("fg", "n")),)),
    )  # fmt: skip


def plain(content: Content, key: str) -> Screen:
    """A system text with just the Menu button under it."""
    return Screen(content.text(key), (menu_row(content),))
