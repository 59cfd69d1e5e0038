"""Screens: what a message shows (text + buttons), built from the content. Pure: no Telegram.

Handlers turn a `Screen` into a Telegram message; tests can assert on screens directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.callbacks import NEW_FLOW, Answer, Kind, cb
from bot.content import Content, FlowStep, Topic
from bot.flows import HELPED, FlowEngine, FlowState
from bot.intents import CRAMP_NOW, FLOW_OF_INTENT
from bot.text_schema import uses
from bot.warning_signs import Warning

# The texts these screens show (see bot/text_schema.py); `plain` shows the key it is given.
uses(__name__, "system.toml", "texts", "menu forget_confirm topic_page(title,body,sources)")
uses(__name__, "system.toml", "buttons", "cramp_now about menu back forget_yes forget_no")
# The language chooser and "Keep <language>?".
uses(__name__, "system.toml", "texts", "language_choose language_name language_offer(language)")
uses(__name__, "system.toml", "buttons", "language language_keep")
uses(__name__, "flows.toml", "buttons", "restart")
uses(
    __name__, "flows.toml", "texts",
    """timer_running(seconds) timer_done countdown_stopped countdown_paused last_time(method)
    stretch_first(method) last_time_next(method) what_helped thanks(method)
    thanks_stretch(method) thanks_not_sure restart_offer""",
)  # fmt: skip
uses(
    __name__, "warning_signs.toml", "texts",
    "mentioned(mention) also(mention) footer(number) unknown_number",
)  # fmt: skip


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class ReplyKeyboard:
    """Buttons under the text field instead of under the message (Telegram allows one kind
    per message): a button that shares the person's location, and plain ones that send their
    label; or `remove`, to take away a keyboard shown before."""

    location: str | None = None
    labels: tuple[str, ...] = ()
    remove: bool = False


@dataclass(frozen=True)
class Screen:
    text: str
    rows: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    reply: ReplyKeyboard | None = None


def _pairs(buttons: Sequence[Button]) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def topic_button(content: Content, topic: Topic, from_menu: str | None = None) -> Button:
    """The button that opens a topic: the flow or tool it stands for, or its page."""
    # Topics that stand for a guided flow or a tool open it, rather than their summary page.
    if topic.id == topic.intent and topic.intent in FLOW_OF_INTENT:
        return Button(topic.button, cb(Kind.FLOW, FLOW_OF_INTENT[topic.intent], *NEW_FLOW))
    if topic.id == topic.intent == "reminders":
        return Button(topic.button, cb("r", "list"))
    args = (topic.id, from_menu) if from_menu else (topic.id,)
    return Button(topic.button, cb(Kind.TOPIC, *args))


def main_menu_rows(content: Content) -> tuple[tuple[Button, ...], ...]:
    menus = content.menus
    topic_menus = [Button(menus[m].button, cb(Kind.MENU, m)) for m in menus]
    rows: list[tuple[Button, ...]] = [
        (Button(content.button("cramp_now"), cb(Kind.FLOW, FLOW_OF_INTENT[CRAMP_NOW], *NEW_FLOW)),)
    ]
    rows += _pairs(topic_menus)
    rows.append(
        (
            topic_button(content, content.topics["reminders"]),
            Button(content.button("about"), cb(Kind.ABOUT)),
        )
    )
    rows.append((Button(content.button("language"), cb(Kind.LANGUAGE)),))
    return tuple(rows)


def language_menu(content: Content, names: Mapping[str, str]) -> Screen:
    """The language chooser: one button per language, each in its own name."""
    buttons = [Button(name, cb(Kind.LANGUAGE, code)) for code, name in names.items()]
    return Screen(content.text("language_choose"), (*_pairs(buttons), menu_row(content)))


def language_offer(content: Content) -> Screen:
    """After an answer in the language a message was written in: keep it, or choose."""
    name = content.text("language_name")
    return Screen(
        content.text("language_offer", language=name),
        (
            (
                Button(
                    content.button("language_keep"), cb(Kind.LANGUAGE, content.language, "keep")
                ),
                Button(content.button("language"), cb(Kind.LANGUAGE)),
            ),
        ),
    )


def main_menu(content: Content, text: str | None = None) -> Screen:
    return Screen(text or content.text("menu"), main_menu_rows(content))


def menu_row(content: Content, back: str | None = None) -> tuple[Button, ...]:
    home = Button(content.button("menu"), cb(Kind.MAIN_MENU))
    if back is None:
        return (home,)
    return (Button(content.button("back"), back), home)


def topic_menu(content: Content, menu_id: str) -> Screen:
    """A menu: its overview topic's page (or its own text) and a button for each other topic.
    A menu never lists itself: its overview is the page the buttons sit under."""
    menu = content.menus[menu_id]
    if len(menu.items) == 1:  # a menu of one: go straight to it
        return topic_screen(content, content.topics[menu.items[0]])
    items = [topic_button(content, content.topics[t], menu_id) for t in menu.items if t != menu_id]
    if menu_id in content.topics:
        text = content.topic_page(content.topics[menu_id])
    else:
        text = f"<b>{menu.title}</b>\n\n{menu.text}"
    return Screen(text, (*_pairs(items), menu_row(content)))


def topic_screen(
    content: Content, topic: Topic, *, from_menu: str | None = None, lead: str | None = None
) -> Screen:
    """A topic page with its related topics as buttons, then Back (to its menu) and Menu.
    An overview topic (one with a menu of the same id) is shown as that menu."""
    if topic.id in content.menus and len(content.menus[topic.id].items) > 1 and lead is None:
        return topic_menu(content, topic.id)
    related = [topic_button(content, content.topics[r]) for r in topic.related]
    back = (
        cb(Kind.MENU, from_menu) if from_menu is not None and from_menu in content.menus else None
    )
    text = content.topic_page(topic)
    if lead:
        text = f"{lead}\n\n{text}"
    return Screen(text, (*_pairs(related), menu_row(content, back)))


def did_you_mean(content: Content, intents: Iterable[str], text: str) -> Screen:
    topics = [content.topics[i] for i in intents if i in content.topics]
    buttons = [topic_button(content, t) for t in topics[:3]]
    return Screen(text, (*((b,) for b in buttons), menu_row(content)))


def warning_screen(content: Content, warnings: Sequence[Warning], number: str | None) -> Screen:
    """The screen for the most urgent warning sign: its action first (call now, advice today,
    book a doctor), the sign recognised, what to do next, then buttons for what fits it."""
    spec = content.warnings
    signs = {s.id: s for s in spec.signs}
    sign = signs[warnings[0].sign]
    dial = number or spec.texts["unknown_number"]
    parts = [
        spec.tier_actions[sign.tier].format(number=dial),
        spec.texts["mentioned"].format(mention=sign.mention),
        sign.advice.format(number=dial),
    ]
    # Signs of other, less urgent kinds the message also mentions: named, one line each.
    for other in dict.fromkeys(w.sign for w in warnings[1:]):
        if other != sign.id:
            parts.append(spec.texts["also"].format(mention=signs[other].mention))
    parts.append(spec.texts["footer"].format(number=dial))
    related = [topic_button(content, content.topics[r]) for r in sign.related]
    return Screen("\n\n".join(parts), (*((b,) for b in related), menu_row(content)))


def forget_confirm(content: Content) -> Screen:
    return Screen(
        content.text("forget_confirm"),
        ((Button(content.button("forget_yes"), cb(Kind.FORGET, Answer.YES)),),
         (Button(content.button("forget_no"), cb(Kind.FORGET, Answer.NO)),)),
    )  # fmt: skip


def plain(content: Content, key: str) -> Screen:
    """A system text with just the Menu button under it."""
    return Screen(content.text(key), (menu_row(content),))


def _split_disclaimer(text: str) -> tuple[str, str]:
    """(body, closing italic line): extra lines go between the two."""
    head, sep, tail = text.rpartition("\n")
    if sep and tail.startswith("<i>") and tail.endswith("</i>"):
        return head.rstrip(), tail
    return text, ""


def flow_screen(
    content: Content, engine: FlowEngine, state: FlowState, remaining: int | None = None
) -> Screen:
    """One step of a guided flow. `remaining`: seconds left on the step's countdown, if running."""
    step = engine.step(state)
    parts = _history_note(engine, state, step)
    if step is None:  # DONE: the thank-you after "What helped?"
        parts.append(_thanks(engine, state))
    else:
        parts += _step_parts(content, engine, state, step, remaining)
    return Screen("\n\n".join(parts), _flow_rows(engine, state))


def _history_note(engine: FlowEngine, state: FlowState, step: FlowStep | None) -> list[str]:
    """What helped last time changes the order of the methods: say so, once."""
    texts = engine.texts
    if not (state.first_from_history and step and step.method and len(state.order) > 1):
        return []
    first, helped = state.order[0], state.order[1]
    if len(state.tried) == 1:  # the stretch: say what comes next, and why this order
        key = "last_time" if step.method == helped else "stretch_first"
        return [texts.texts[key].format(method=texts.methods[helped])]
    if len(state.tried) == 2 and step.method == helped and first != helped:
        return [texts.texts["last_time_next"].format(method=texts.methods[helped])]
    return []


def _thanks(engine: FlowEngine, state: FlowState) -> str:
    texts = engine.texts
    if not state.helped:
        return texts.texts["thanks_not_sure"]
    stretch_first = engine.flows[state.flow].methods[:1] == (state.helped,)
    key = "thanks_stretch" if stretch_first else "thanks"
    return texts.texts[key].format(method=texts.methods[state.helped])


def _step_parts(
    content: Content, engine: FlowEngine, state: FlowState, step: FlowStep, remaining: int | None
) -> list[str]:
    texts = engine.texts
    body, disclaimer = _split_disclaimer(step.text.strip())
    parts = [body]
    if step.timer:
        if remaining is not None and remaining > 0:
            parts.append(texts.texts["timer_running"].format(seconds=remaining))
        else:
            parts.append(texts.texts["timer_done"])
    if state.step == "eased" and state.tried:
        parts.append(texts.texts["what_helped"])
    if state.step == "severe":  # the safety page carries its own disclaimer
        parts.append(content.topic_page(content.topic_for_intent("safety")))
    elif disclaimer:
        parts.append(disclaimer)
    return parts


def _flow_rows(engine: FlowEngine, state: FlowState) -> tuple[tuple[Button, ...], ...]:
    texts = engine.texts
    rows: list[tuple[Button, ...]] = []
    for name, arg in engine.buttons(state):
        if name == HELPED and arg is not None:
            label = texts.methods[arg]
            label = label[:1].upper() + label[1:]
            rows.append((Button(label[:40], cb(Kind.FLOW, state.flow, state.step, HELPED, arg)),))
        else:
            rows.append((Button(texts.buttons[name], cb(Kind.FLOW, state.flow, state.step, name)),))
    return tuple(rows)


def flow_stopped(content: Content, engine: FlowEngine, state: FlowState) -> Screen:
    """A step whose countdown was cancelled (/cancel, /forget): still, with a way back in."""
    step = engine.step(state)
    body = _split_disclaimer(step.text.strip())[0] if step else ""
    text = f"{body}\n\n{engine.texts.texts['countdown_stopped']}"
    restart = Button(engine.texts.buttons["restart"], cb(Kind.FLOW, state.flow, *NEW_FLOW))
    return Screen(text, ((restart,), menu_row(content)))


def flow_timer_paused(content: Content, engine: FlowEngine, state: FlowState) -> Screen:
    """A step whose countdown stopped with the bot: still, its own buttons live."""
    screen = flow_screen(content, engine, state, None)
    done = engine.texts.texts["timer_done"]
    paused = engine.texts.texts["countdown_paused"]
    return Screen(screen.text.replace(done, paused), screen.rows)


def flow_restart_offer(content: Content, engine: FlowEngine, flow: str) -> Screen:
    texts = engine.texts
    return Screen(
        texts.texts["restart_offer"],
        ((Button(texts.buttons["restart"], cb(Kind.FLOW, flow, *NEW_FLOW)),), menu_row(content)),
    )
