"""Every screen the bot can show, and the checks that its texts tell the truth. Pure.

`all_screens` builds each screen from the content the way the bot does (menus, topics, flow
steps, warning screens, reminder screens); `problems` reads them for the kinds of mistakes a
person notices: a "coming soon" for something that exists, a text that says "tap X" on a screen
without X, a menu that lists itself, one action under two labels, one emoji for two things.
`python -m bot check` and the tests run it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot import views
from bot.callbacks import Kind, decode
from bot.content import Content
from bot.flows import DONE, FlowEngine, FlowState
from bot.reminders import screens as reminder_views
from bot.text_schema import uses
from bot.warning_signs import Warning

uses(__name__, "system.toml", "texts", "welcome(name) help about")

# Words that promise what a bot that has shipped a feature must not say.
STALE_PROMISES = re.compile(r"coming soon|not yet available|will soon be able|soon i'?ll", re.I)
# "Tap ⏰", "tap “Start again”", "press <b>Menu</b>", "tap a cause below": a named button.
_TAP = re.compile(
    r"\b(?:tap|press|click|pick)\s+(?:<b>)?(?:“([^”]+)”|\"([^\"]+)\"|([^\s<]*[^\w\s<,.][^\s<,.]*)"
    r"|(?:<b>)?([A-Z][\w' ]+?)</b>)",
    re.I,
)
_BELOW = re.compile(r"\b(?:tap|press|pick)\b[^.!?\n]*\bbelow\b", re.I)
# One emoji may lead several labels only when they all mean one kind of thing.
# ✅ is yes / done / chosen, ▶️ is resume, ⏰ is a reminder, 🏠 is the menu.
# ⬅️ goes back somewhere, 🗑 deletes something.
EMOJI_FAMILIES = {
    "⏰": "reminders", "🏠": "menu", "✅": "yes", "▶️": "resume", "⬅️": "back", "🗑": "delete",
}  # fmt: skip


@dataclass(frozen=True)
class NamedScreen:
    name: str
    screen: views.Screen


def _flow_states(engine: FlowEngine) -> Iterator[FlowState]:
    for flow_id, flow in engine.flows.items():
        start = engine.start(flow_id, helpful=())
        yield start
        history = engine.start(flow_id, helpful=[*flow.methods[1:2]])
        yield history
        for step_id, step in flow.steps.items():
            tried = tuple(flow.methods[:2]) if flow.methods else ()
            yield FlowState(flow_id, step_id, order=tuple(flow.methods), tried=tried)
            if step.method and flow.methods:
                index = flow.methods.index(step.method)
                yield FlowState(
                    flow_id, step_id, order=tuple(flow.methods), tried=flow.methods[: index + 1]
                )
        if flow.methods:
            for helped in (flow.methods[0], None):
                yield FlowState(
                    flow_id, DONE, order=tuple(flow.methods), tried=tuple(flow.methods[:2]),
                    helped=helped,
                )  # fmt: skip


def all_screens(content: Content, engine: FlowEngine) -> list[NamedScreen]:
    """Every screen, named by how a person reaches it."""
    out = [
        NamedScreen("main menu", views.main_menu(content)),
        NamedScreen("welcome", views.main_menu(content, content.text("welcome", name="Alex"))),
        NamedScreen("help", views.main_menu(content, content.text("help"))),
        NamedScreen("about", views.plain(content, "about")),
        NamedScreen("forget", views.forget_confirm(content)),
    ]
    for menu_id in content.menus:
        out.append(NamedScreen(f"menu {menu_id}", views.topic_menu(content, menu_id)))
    for topic in content.topics.values():
        out.append(NamedScreen(f"topic {topic.id}", views.topic_screen(content, topic)))
        for menu_id, menu in content.menus.items():
            if topic.id in menu.items:
                screen = views.topic_screen(content, topic, from_menu=menu_id)
                out.append(NamedScreen(f"topic {topic.id} from menu {menu_id}", screen))
    for state in _flow_states(engine):
        for remaining in (None, 12):
            name = f"flow {state.flow}.{state.step} tried={','.join(state.tried)}"
            out.append(NamedScreen(name, views.flow_screen(content, engine, state, remaining)))
    for sign in content.warnings.signs:
        for number in (None, "999"):
            screen = views.warning_screen(content, [Warning(sign.id, sign.tier)], number)
            out.append(NamedScreen(f"warning {sign.id}", screen))
    out += [NamedScreen(f"reminders {n}", s) for n, s in reminder_views.all_screens(content)]
    return out


def _emoji(label: str) -> str:
    """The leading emoji of a label (with its variation selector), or ""."""
    head = label.split(" ", 1)[0]
    return head if head and not head[0].isalnum() else ""


def _bare(label: str) -> str:
    emoji = _emoji(label)
    return label[len(emoji) :].strip().lower() if emoji else label.strip().lower()


def _action(data: str) -> str:
    """What a button does, without where it was pressed from: v1:t:causes:relief -> t:causes."""
    parts = data.split(":")[1:]
    if parts[:1] == ["t"]:
        return ":".join(parts[:2])
    if parts[:1] == ["f"] and len(parts) >= 4 and parts[2] == "new":
        return ":".join(parts[:4])  # start a flow
    if parts[:1] == ["f"]:
        return ":".join(["f", *parts[3:]])  # a flow action, whatever the step
    return ":".join(parts)


def _leads_somewhere(data: str, content: Content, engine: FlowEngine) -> bool:
    """A button's data decodes and names a menu, topic or flow that exists."""
    parsed = decode(data)
    if parsed is None:
        return False
    if parsed.kind is Kind.TOPIC:
        return parsed.arg(0) in content.topics
    if parsed.kind is Kind.MENU:
        return parsed.arg(0) in content.menus
    if parsed.kind is Kind.FLOW:
        return engine.is_valid(parsed.arg(0), parsed.arg(1))
    return True


def dead_ends(screens: list[NamedScreen], content: Content, engine: FlowEngine) -> list[str]:
    """Buttons that lead nowhere: data that does not decode, or names what is not there."""
    return [
        f"{named.name}: button {button.label!r} leads nowhere ({button.data})"
        for named in screens
        for row in named.screen.rows
        for button in row
        if not _leads_somewhere(button.data, content, engine)
    ]


def problems(screens: list[NamedScreen], back_label: str = "") -> list[str]:
    """Every mistake found, one line each; empty when all screens tell the truth.
    `back_label` is exempt from "one action, one label": Back says where, not what."""
    found: list[str] = []
    labels_of: dict[str, set[str]] = {}
    meanings: dict[str, set[str]] = {}
    for named in screens:
        found += _screen_problems(named)
        for row in named.screen.rows:
            for button in row:
                if button.label != back_label:
                    labels_of.setdefault(_action(button.data), set()).add(button.label)
                emoji = _emoji(button.label)
                if emoji:
                    meanings.setdefault(emoji, set()).add(_bare(button.label))
    for action, names in sorted(labels_of.items()):
        if len(names) > 1 and not action.startswith("f:helped"):
            found.append(f"one action {action!r} has several labels: {sorted(names)}")
    for emoji, bare in sorted(meanings.items()):
        if len(bare) > 1 and emoji not in EMOJI_FAMILIES:
            found.append(f"one emoji {emoji!r} leads different labels: {sorted(bare)}")
    return found


def _screen_problems(named: NamedScreen) -> list[str]:
    """What one screen says that its buttons do not keep."""
    found: list[str] = []
    text, rows = named.screen.text, named.screen.rows
    labels = [b.label for row in rows for b in row]
    reply = named.screen.reply
    if reply is not None:  # buttons under the text field count as buttons too
        labels += [*([reply.location] if reply.location else []), *reply.labels]
    if STALE_PROMISES.search(text):
        found.append(f"{named.name}: says something is coming soon")
    for match in _TAP.finditer(text):
        target = next(g for g in match.groups() if g)
        if not _has_button_for(target, labels):
            found.append(f"{named.name}: says tap {target!r} but has no such button")
    if _BELOW.search(text) and not labels:
        found.append(f"{named.name}: says 'below' but has no buttons")
    if named.name.startswith("menu "):
        title = _bare(re.sub(r"<[^>]+>", "", text.split("\n", 1)[0]))
        for label in labels:
            if _bare(label) and _bare(label) in title:
                found.append(f"{named.name}: the menu lists itself ({label!r})")
    return found


def _has_button_for(target: str, labels: list[str]) -> bool:
    """'tap ⏰' needs a ⏰ button; 'tap “Start again”' a button saying so."""
    emoji = _emoji(target)
    if emoji:
        return any(label.startswith(emoji) for label in labels)
    target_bare = _bare(re.sub(r"<[^>]+>", "", target)).strip(" .")
    return not target_bare or any(target_bare in _bare(label) for label in labels)
