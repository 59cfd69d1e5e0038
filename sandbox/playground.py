"""The offline playground: the real bot, the local Bot API server, and a chat in the terminal.

Type a message and press Enter; the bot's replies are printed with their buttons numbered;
type a number to press that button; "/location 41.15 -8.61" shares a location (the 📍 button
of a phone); /quit (or end of input) leaves. When standard input is not
a terminal, lines are read until EOF, so a session can be scripted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import TextIO

from bot.app import build_application
from bot.config import Secret, Settings
from bot.runner import polling
from sandbox.server import FakeBotApi
from sandbox.user import ChatMessage, SimUser, render_html_as_text

BANNER = (
    "Offline playground: the real bot on a local Bot API server, nothing reaches Telegram. "
    "To connect to Telegram, set TELEGRAM_BOT_TOKEN (see README). "
    "Type a message, a number to press a button, /location LAT LON to share a location, "
    "/quit to leave."
)
QUIT = frozenset({"/quit", "/exit"})


def pointed_at(settings: Settings, api: FakeBotApi) -> Settings:
    """The same settings, talking to the local Bot API server with its token (polling)."""
    return dataclasses.replace(
        settings,
        token=Secret(api.token),
        api_base_url=api.base_url,
        api_file_url=api.base_file_url,
        webhook_url="",
    )


def playground_settings(settings: Settings, api: FakeBotApi) -> Settings:
    """The user's settings, pointed at the local server and a database of its own."""
    return dataclasses.replace(
        pointed_at(settings, api), db_path=settings.db_path.with_name("playground.sqlite3")
    )


def render(message: ChatMessage, numbers: dict[int, tuple[int, str]], out: TextIO) -> None:
    """Print one bot message; its buttons get the next free numbers."""
    out.write(render_html_as_text(message.text).rstrip() + "\n")
    for row in message.buttons:
        cells = []
        for button in row:
            number = len(numbers) + 1
            numbers[number] = (message.message_id, button.text)
            cells.append(f"[{number}] {button.text}")
        out.write("   ".join(cells) + "\n")
    if message.keyboard:  # under the text field: type the label, or /location LAT LON
        out.write("   ".join(f"{{{label}}}" for label in message.keyboard) + "\n")
    out.write("\n")


async def _read_line(stdin: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return await asyncio.to_thread(input, "you> ")
        except EOFError:
            return None
    line = await asyncio.to_thread(stdin.readline)
    return line.rstrip("\n") if line else None


class ChatPrinter:
    """Prints what changed in the chat since it last looked: the replies to what you typed,
    and later edits too (the stretch countdown, a reminder arriving)."""

    def __init__(self, user: SimUser, out: TextIO) -> None:
        chat = user.api.chat_state(user.user_id)
        if chat is None:
            raise RuntimeError("the playground user has no chat")
        self.chat = chat
        self.out = out
        self.seen = chat.action_seq
        self.numbers: dict[int, tuple[int, str]] = {}
        self.lock = asyncio.Lock()  # one printer at a time: the chat loop or the watcher

    def print_changes(self, note: str = "") -> None:
        changed = self.chat.touched_since(self.seen)
        self.seen = self.chat.action_seq
        if not changed:
            return
        self.numbers = {}
        if note:
            self.out.write(note + "\n")
        for message_id in changed:
            message = self.chat.messages.get(message_id)
            if message is not None and message.from_bot:
                render(message.view(), self.numbers, self.out)
        self.out.flush()

    async def watch(self) -> None:
        while True:
            await self.chat.action_signal.wait(3600)
            await asyncio.sleep(0.2)  # let a burst of edits settle
            async with self.lock:
                self.print_changes("(the bot updated the chat)")


def _location(text: str) -> tuple[float, float] | None:
    """'/location 41.15 -8.61': share a location, as the 📍 button does on a phone."""
    parts = text.split()
    if len(parts) != 3 or parts[0].lower() != "/location":
        return None
    try:
        return float(parts[1]), float(parts[2])
    except ValueError:
        return None


async def chat_loop(user: SimUser, stdin: TextIO, out: TextIO, *, interactive: bool) -> None:
    printer = ChatPrinter(user, out)
    watcher = asyncio.create_task(printer.watch())
    try:
        while True:
            line = await _read_line(stdin, interactive)
            if line is None or line.strip().lower() in QUIT:
                return
            text = line.strip()
            if not text:
                continue
            async with printer.lock:
                if not interactive:
                    out.write(f"you> {text}\n")
                try:
                    location = _location(text)
                    if text.isdigit() and int(text) in printer.numbers:
                        message_id, label = printer.numbers[int(text)]
                        await user.press(label, message_id=message_id)
                    elif location is not None:
                        await user.send_location(*location)
                    else:
                        await user.send(text)
                except TimeoutError:
                    out.write("(no answer from the bot)\n\n")
                printer.print_changes()
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def run_playground(settings: Settings, stdin: TextIO, out: TextIO) -> None:
    out.write(BANNER + "\n\n")
    out.flush()
    async with FakeBotApi() as api:
        app = api.follow(build_application(playground_settings(settings, api)))
        async with polling(app):
            user = api.user(user_id=1001, first_name="You")
            await chat_loop(user, stdin, out, interactive=stdin.isatty())
