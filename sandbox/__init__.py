"""A local fake of the Telegram Bot API plus simulated users, for tests and the playground."""

from bot.telegram_html import HtmlParseError, parse_html, render_html_as_text

from .faults import FaultInjector, FaultKind
from .server import DEFAULT_TOKEN, ApiError, FakeBotApi, Stats
from .store import Button, CallbackAnswer, ChatMessage
from .user import ButtonNotFoundError, SimUser

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Button",
    "ButtonNotFoundError",
    "CallbackAnswer",
    "ChatMessage",
    "FakeBotApi",
    "FaultInjector",
    "FaultKind",
    "HtmlParseError",
    "SimUser",
    "Stats",
    "parse_html",
    "render_html_as_text",
]
