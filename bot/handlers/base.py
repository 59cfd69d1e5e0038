"""What every handler class needs: the services, the person's language, their ids."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest, NetworkError

from bot.http import NotSent
from bot.services import Locale, Services


class HandlerBase:
    def __init__(self, services: Services) -> None:
        self.services = services

    def locale(self, update: Update) -> Locale:
        """The person's language: the one they chose or are writing in, else their Telegram
        language when the bot has it, else the configured one."""
        user = update.effective_user
        if user is not None:
            chosen = self.services.user_language(user.id)
            if chosen is not None and chosen in self.services.locales:
                return self.services.locales[chosen]
        return self.services.locale(user.language_code if user else None)

    @staticmethod
    def ids(update: Update) -> tuple[int, int]:
        """(user id, chat id); handlers are registered so that updates have both."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            raise ValueError("update without a user or chat")
        return user.id, chat.id

    @staticmethod
    def pressed_message_id(update: Update) -> int | None:
        """The message whose button was pressed (None for anything but a button press)."""
        query = update.callback_query
        return query.message.message_id if query is not None and query.message else None

    @staticmethod
    def in_doubt(error: object) -> bool:
        """A network error after which a sent message may or may not have arrived (see the
        delivery rule in bot/handlers/telegram_io.py)."""
        return isinstance(error, NetworkError) and not isinstance(error, BadRequest | NotSent)
