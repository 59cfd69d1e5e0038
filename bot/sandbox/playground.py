"""The offline playground: the real bot, the local Bot API server, and a chat in the terminal.

Type a message and press Enter; the bot's replies are printed with their buttons numbered;
type a number to press that button; /quit (or end of input) leaves. When standard input is not
a terminal, lines are read until EOF, so a session can be scripted.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TextIO

from bot.app import build_application
from bot.config import Secret, Settings
from bot.runner import polling
from bot.sandbox.server import FakeBotApi
from bot.sandbox.user import ChatMessage, SimUser, render_html_as_text

BANNER = (
    "Offline playground: the real bot on a local Bot API server, nothing reaches Telegram. "
    "To connect to Telegram, set TELEGRAM_BOT_TOKEN (see README). "
    "Type a message, a number to press a button, /quit to leave."
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
    out.write("\n")


async def _read_line(stdin: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return await asyncio.to_thread(input, "you> ")
        except EOFError:
            return None
    line = await asyncio.to_thread(stdin.readline)
    return line.rstrip("\n") if line else None


async def chat_loop(user: SimUser, stdin: TextIO, out: TextIO, *, interactive: bool) -> None:
    numbers: dict[int, tuple[int, str]] = {}
    while True:
        line = await _read_line(stdin, interactive)
        if line is None or line.strip().lower() in QUIT:
            return
        text = line.strip()
        if not text:
            continue
        if not interactive:
            out.write(f"you> {text}\n")
        try:
            if text.isdigit() and int(text) in numbers:
                message_id, label = numbers[int(text)]
                replies = await user.press(label, message_id=message_id)
            else:
                replies = await user.send(text)
        except TimeoutError:
            out.write("(no answer from the bot)\n\n")
            continue
        numbers = {}
        for message in replies:
            render(message, numbers, out)
        out.flush()


async def run_playground(settings: Settings, stdin: TextIO, out: TextIO) -> None:
    out.write(BANNER + "\n\n")
    out.flush()
    async with FakeBotApi() as api:
        app = build_application(playground_settings(settings, api))
        async with polling(app):
            user = api.user(user_id=1001, first_name="You")
            await chat_loop(user, stdin, out, interactive=stdin.isatty())
