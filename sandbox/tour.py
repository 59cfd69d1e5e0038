"""A transcript of the bot's main journeys, as a person sees them: `python -m bot tour`.

The real bot runs against the local Bot API server with a fixed clock; a simulated person
goes through the journeys below and every screen they see (text and buttons, in order) is
written to `docs/TOUR.md`. A reviewer can read the whole bot in one file, and a change to a
screen shows in the diff; a test fails when the file is out of date.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_application
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.runner import polling
from bot.services import Locale, Services, load_locales
from sandbox.playground import pointed_at
from sandbox.server import FakeBotApi
from sandbox.user import ChatMessage, SimUser

TOUR_FILE = PROJECT_ROOT / "docs" / "TOUR.md"
# 2026-01-10 21:00 UTC: a winter evening, so bedtime reminders and zones read naturally.
TOUR_CLOCK = 1_768_078_800.0


class TourClock:
    """The tour's clock: it moves only when a journey says time passes."""

    def __init__(self) -> None:
        self.now = TOUR_CLOCK

    def __call__(self) -> float:
        return self.now


@dataclass
class Tour:
    user: SimUser
    services: Services
    clock: TourClock


Step = tuple[str, Callable[[Tour], Awaitable[list[ChatMessage]]]]


# A step's reply deadline: the diary's chart and PDF are drawn in a process of their own, whose
# first start takes seconds on a loaded machine. (Each step still returns once it is handled.)
STEP_TIMEOUT = 30.0


def _send(text: str) -> Step:
    return (text, lambda tour: tour.user.send(text, timeout=STEP_TIMEOUT))


def _command(text: str) -> Step:
    return (text, lambda tour: tour.user.command(text, timeout=STEP_TIMEOUT))


def _press(label: str) -> Step:
    return (f"[{label}]", lambda tour: tour.user.press(label, timeout=STEP_TIMEOUT))


def _time_passes(iso: str, said: str) -> Step:
    """The clock moves on and the reminder sweep runs: what arrives in the chat."""

    async def act(tour: Tour) -> list[ChatMessage]:
        before = len(tour.user.chat)
        tour.clock.now = datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()
        assert tour.services.scheduler is not None
        await tour.services.scheduler.tick()
        return tour.user.chat[before:]

    return (f"({said})", act)


JOURNEYS: list[tuple[str, list[Step]]] = [
    ("First contact", [_command("/start"), _command("/help")]),
    (
        "Browsing the topics",
        [
            _command("/menu"),
            _press("🤔 Why cramps happen"),
            _press("❄️ Cold"),
            _press("⬅️ Back"),
            _press("🏠 Menu"),
            _press("🦶 Ease a cramp"),
            _press("🙋 Arm raise"),
            _press("🏠 Menu"),
            _press("🛡 Prevent cramps"),
            _press("🧘 Calf stretch"),
            _press("🏠 Menu"),
            _press("🩺 When to see a doctor"),
        ],
    ),
    (
        "A cramp in bed",
        [
            _send("cramp in bed!!"),
            _press("➡️ Try something else"),
            _press("➡️ Try something else"),
            _press("✅ It eased"),
            _press("Standing and walking"),
            _send("cramp in bed again"),
        ],
    ),
    (
        "A cramp in the water",
        [
            _command("/cramp"),
            _press("🌊 Cramp in the water"),
            _press("🚶 I'm out of the water"),
        ],
    ),
    (
        "Warning signs",
        [
            _send("my calf is swollen and hot after my flight"),
            _send("my foot suddenly went white and cold"),
            _send("cramps every night for a month"),
            _send("no swelling, just a cramp"),
        ],
    ),
    (
        "Questions and small talk",
        [
            _send("is magnesium good for cramps"),
            _send("can my statins cause cramps"),
            _send("period cramps"),
            _send("what's the capital of france"),
            _send("thanks!"),
        ],
    ),
    (
        "A bedtime reminder, said in one message",
        [
            _send("bedtime reminder 22:30"),
            _send("Lisbon"),
            _press("✅ Save"),
            _time_passes("2026-01-10T22:30:20", "22:30 in Lisbon: the reminder comes"),
            _press("😴 Snooze 10 min"),
            _time_passes("2026-01-10T22:40:20", "ten minutes later"),
            _press("🔕 Pause this reminder"),
        ],
    ),
    (
        "Other languages",
        [
            _send("小腿抽筋了怎么办"),
            _press("✅ 好，继续用"),
            _send("腿肿了而且发红"),
            _command("/language"),
            _press("Español"),
            _command("/language en"),
        ],
    ),
    (
        "A swim reminder by buttons, changed, deleted and brought back",
        [
            _command("/reminders"),
            _press("⏰ Before my swims"),
            _press("07:00"),
            _press("Mon"),
            _press("Wed"),
            _press("Fri"),
            _press("✅ Next"),
            _press("45 min"),
            _send("07:30"),
            _press("🗑 Delete"),
            _press("⏪ Undo"),
        ],
    ),
    (
        "The cramp diary",
        [
            _send("cramp in my left calf last night around 3"),
            _press("✅ Yes, keep a diary"),
            _command("/diary"),
            _press("📄 Share with your doctor"),
            _command("/diary off"),
            _press("Keep the entries"),
        ],
    ),
    ("About and your data", [_command("/about"), _command("/forget"), _press("No, keep it")]),
]


def _render(messages: list[ChatMessage]) -> list[str]:
    lines: list[str] = []
    for message in messages:
        lines.append("**Bot (edits its message):**" if message.edited else "**Bot:**")
        lines.append("")
        lines.append("```")
        if message.kind != "text":  # a picture or a file: its kind and name, then its caption
            lines.append(f"[{message.kind}{': ' + message.file_name if message.file_name else ''}]")
        lines += message.text.rstrip().splitlines() or [""]
        for row in message.buttons:
            lines.append("   ".join(f"[{b.text}]" for b in row))
        if message.keyboard:  # a reply keyboard, under the text field
            lines.append("   ".join(f"{{{label}}}" for label in message.keyboard))
        lines.append("```")
        lines.append("")
    return lines


async def record(settings: Settings, locales: Mapping[str, Locale] | None = None) -> str:
    """Run the journeys against the real bot and return the transcript as Markdown
    (`locales`: the languages already loaded from `settings.content_dir`, if they are)."""
    lines = [
        "# A tour of the bot",
        "",
        "Every screen of the main journeys, as a person sees it, in order. Generated by",
        "`.venv/bin/python -m bot tour`; do not edit by hand (a test fails when it is stale).",
        "Buttons are in [brackets]; a press edits the message it was on. {Braces} are the",
        "buttons under the text field (a reply keyboard), such as sharing your location.",
        "",
    ]

    async def hold(seconds: float) -> None:  # countdowns wait here: the tour shows their start
        await asyncio.Event().wait()

    async with FakeBotApi() as api:
        wired = pointed_at(settings, api)
        clock = TourClock()
        if locales is None:
            locales = load_locales(wired.content_dir, wired.language)
        services = Services(wired, locales, clock, hold)
        async with polling(api.follow(build_application(wired, services=services))):
            tour = Tour(api.user(user_id=4242, first_name="Alex"), services, clock)
            for number, (title, steps) in enumerate(JOURNEYS, start=1):
                lines += [f"## {number}. {title}", ""]
                for said, act in steps:
                    lines += [f"**You:** {said}", ""]
                    lines += _render(await act(tour))
    return "\n".join(lines).rstrip() + "\n"


def tour_text() -> str:
    with tempfile.TemporaryDirectory() as folder:
        settings = dataclasses.replace(
            load_settings({}, require_token=False),
            db_path=Path(folder) / "tour.sqlite3",
            reminder_sweep_seconds=3600.0,
        )
        return asyncio.run(record(settings))


def write_tour(path: Path = TOUR_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tour_text(), encoding="utf-8")
    return path
