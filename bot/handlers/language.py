"""The person's language: /language, the chooser's buttons, and "Keep <language>?" after a
message written in another supported language. Thin: the choice is kept in storage and in
`Services.chosen_languages`; which language a text is in is `bot.language`'s business."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import views
from bot.callbacks import Callback
from bot.content import Content
from bot.handlers.base import HandlerBase
from bot.handlers.telegram_io import answer_callback, edit_or_send, send
from bot.language import content_language
from bot.services import Locale
from bot.storage import StorageError
from bot.text_schema import uses

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

uses(__name__, "system.toml", "texts", "language_set(language) language_name stale_button")


class LanguageHandlers(HandlerBase):
    async def command(self, update: Update, context: Context) -> None:
        """/language shows the chooser; /language zh (or "中文", "es-419") switches at once."""
        _, chat_id = self.ids(update)
        wanted = None
        if context.args:
            wanted = content_language(context.args[0], self.services.locales) or next(
                (
                    lang
                    for lang, name in self.services.language_names().items()
                    if name.lower() == " ".join(context.args).lower()
                ),
                None,
            )
        if wanted is not None:
            content = await self.choose(update, wanted)
            text = content.text("language_set", language=content.text("language_name"))
            await send(context.bot, chat_id, views.main_menu(content, text))
            return
        content = self.locale(update).content
        await send(
            context.bot, chat_id, views.language_menu(content, self.services.language_names())
        )

    async def press(self, update: Update, context: Context, parsed: Callback) -> None:
        query = update.callback_query
        if query is None:
            return
        _, chat_id = self.ids(update)
        message_id = self.pressed_message_id(update)
        wanted = parsed.arg(0)
        content = self.locale(update).content
        if not wanted:
            await answer_callback(context.bot, query.id)
            screen = views.language_menu(content, self.services.language_names())
            await edit_or_send(context.bot, chat_id, message_id, screen)
            return
        if wanted not in self.services.locales:
            await answer_callback(context.bot, query.id, content.text("stale_button"))
            await send(context.bot, chat_id, views.main_menu(content, content.text("stale_button")))
            return
        await answer_callback(context.bot, query.id)
        content = await self.choose(update, wanted)
        text = content.text("language_set", language=content.text("language_name"))
        await edit_or_send(context.bot, chat_id, message_id, views.main_menu(content, text))

    async def choose(self, update: Update, language: str) -> Content:
        """Keep `language` for this person (memory and storage); its content."""
        user_id, _ = self.ids(update)
        services = self.services
        services.session_languages.pop(user_id, None)
        services.remember(services.chosen_languages, user_id, language)
        try:
            await services.storage.set_language(user_id, language)
        except StorageError as exc:  # kept in memory meanwhile; the answer goes out
            log.warning("could not save the language: %s", exc)
        return services.locales[language].content

    def written_in(self, update: Update, text: str) -> tuple[Locale, bool]:
        """The locale to answer `text` in, and whether to offer "Keep <language>?": a message
        clearly written in another supported language is answered in that language."""
        current = self.locale(update)
        guessed = self.services.guesser.guess(text)
        if guessed is None or guessed == current.content.language:
            return current, False
        user = update.effective_user
        if user is None:
            return current, False
        services = self.services
        base = services.chosen_languages.get(user.id) or services.locale(user.language_code)
        base_language = base if isinstance(base, str) else base.content.language
        if guessed == base_language:  # back to their own language: no question to ask
            services.session_languages.pop(user.id, None)
            return services.locales[guessed], False
        services.remember(services.session_languages, user.id, guessed)
        return services.locales[guessed], True

    async def offer(self, update: Update, context: Context, locale: Locale) -> None:
        _, chat_id = self.ids(update)
        await send(context.bot, chat_id, views.language_offer(locale.content))
