"""Command line: `python -m bot [run|playground|route|migrate|check]`.

With no token set and a terminal attached, `run` opens the offline playground instead.
Configuration and content problems print one clear line and exit with code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, Settings, load_settings, read_environment, setup_logging
from bot.content import ContentError
from bot.storage import Storage, StorageError

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 1


class StartupError(Exception):
    """The bot cannot start for a reason outside its configuration (the network, say)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    sub.add_parser("playground", help="chat with the bot offline in this terminal")
    route = sub.add_parser("route", help="print INTENT<TAB>SCORE for each text (or stdin line)")
    route.add_argument("texts", nargs="*")
    route.add_argument("--lang", help="route with this language's content (default: BOT_LANGUAGE)")
    route.add_argument(
        "--tiers", action="store_true", help="add the warning tier: emergency, today, soon or -"
    )
    sub.add_parser("migrate", help="create or upgrade the database, then exit")
    sub.add_parser("check", help="load and validate the content, then exit")
    return parser


async def _preflight(bot: Bot) -> None:
    """Reach the Bot API once before starting, so a bad token or an unreachable server is one
    clear line, not a traceback. `async with bot` shuts everything down again either way."""
    async with bot:
        await bot.get_me()


def _run(settings: Settings) -> None:
    from bot.app import build_application

    app = build_application(settings)
    try:
        asyncio.run(_preflight(app.bot))
    except InvalidToken:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN",
            "was refused by the Bot API",
            "Copy the token again from @BotFather (or /revoke there and use the new one).",
        ) from None
    except NetworkError as exc:
        host = urlsplit(settings.api_base_url).netloc
        raise StartupError(
            f"cannot reach the Bot API at {host} ({exc.message}). Check the network, or "
            "BOT_API_BASE_URL if you run your own Bot API server."
        ) from None
    if settings.webhook_mode:
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get(),
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"],
        )
    else:
        app.run_polling(
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"]
        )


def _route(settings: Settings, texts: Sequence[str], language: str | None, tiers: bool) -> None:
    from bot.services import load_locales

    locales = load_locales(settings.content_dir, settings.language)
    lang = (language or settings.language).lower()
    if lang not in locales:
        raise ConfigError(
            "--lang", f"is {lang!r}, which has no content", f"Use one of: {', '.join(locales)}."
        )
    router = locales[lang].router
    lines = texts if texts else (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    for text in lines:
        route = router.route(text)
        tier = f"\t{route.tier or '-'}" if tiers else ""
        out.write(f"{route.intent}\t{route.score}{tier}\n")
    out.flush()


async def _migrate(settings: Settings) -> int:
    storage = await Storage.open(settings.db_path)
    version = await storage.schema_version()
    await storage.close()
    return version


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Durations from the Bot API (retry_after) as timedeltas: PTB 22's forward-compatible mode.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    command = args.command or "run"
    env = read_environment()
    try:
        if (
            command == "run"
            and not env.get("TELEGRAM_BOT_TOKEN", "").strip()
            and sys.stdin.isatty()
        ):
            command = "playground"
        settings = load_settings(env, require_token=command == "run")
        if command == "playground" and not env.get("LOG_LEVEL"):
            # The chat shares the terminal with the log: keep the log to what matters.
            settings = dataclasses.replace(settings, log_level="WARNING")
        setup_logging(settings)
        if command == "run":
            _run(settings)
        elif command == "playground":
            from bot.sandbox.playground import run_playground

            asyncio.run(run_playground(settings, sys.stdin, sys.stdout))
        elif command == "route":
            _route(settings, args.texts, args.lang, args.tiers)
        elif command == "migrate":
            version = asyncio.run(_migrate(settings))
            print(f"database {settings.db_path} is at schema version {version}")
        elif command == "check":
            from bot.emergency import EmergencyNumbers
            from bot.services import load_locales

            locales = load_locales(settings.content_dir, settings.language)
            EmergencyNumbers.load(settings.content_dir / "emergency_numbers.toml")
            for lang, locale in locales.items():
                print(f"{lang}: {len(locale.content.topics)} topics, content OK")
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:
        print(f"storage error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StartupError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
