"""Command line: `python -m bot [run|playground|route|migrate|check]`.

With no token set and a terminal attached, `run` opens the offline playground instead.
Configuration and content problems print one clear line and exit with code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.util
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.config import (
    ConfigError,
    Settings,
    load_settings,
    read_environment,
    redact,
    redaction_forms,
    setup_logging,
)
from bot.content import ContentError
from bot.storage import Storage, StorageError

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 1
EXIT_FAILED = 1  # stopped by a failure while running (already logged)
PREFLIGHT_ATTEMPTS = 5
MAX_STARTUP_WAIT = 300.0  # seconds; a longer retry_after is waited for in steps

log = logging.getLogger("bot")


class StartupError(Exception):
    """The bot cannot start for a reason outside its configuration (the network, say)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    sub.add_parser("playground", help="chat with the bot offline in this terminal")
    route = sub.add_parser("route", help="print INTENT<TAB>SCORE for each text (or stdin line)")
    route.add_argument("texts", nargs="*")
    route.add_argument(
        "--lang",
        help="route with this language's content (default: the language each text is in, "
        "else BOT_LANGUAGE)",
    )
    route.add_argument(
        "--tiers", action="store_true", help="add the warning tier: emergency, today, soon or -"
    )
    sub.add_parser("migrate", help="create or upgrade the database, then exit")
    sub.add_parser("check", help="load and validate the content, then exit")
    sub.add_parser("tour", help="write docs/TOUR.md: every screen of the main journeys")
    remind = sub.add_parser("remind", help="print what a typed reminder request says, as JSON")
    remind.add_argument("text")
    remind.add_argument("--tz", default="UTC", help="the person's time zone (default: UTC)")
    remind.add_argument("--now", help="local date and time to read it at (default: now)")
    remind.add_argument("--lang", help="the language's words (default: BOT_LANGUAGE)")
    zone = sub.add_parser("zone", help="print ZONE<TAB>SCORE for a typed place, best first")
    zone.add_argument("text", nargs="+")
    return parser


async def _preflight(bot: Bot) -> None:
    """Reach the Bot API once before starting, so a bad token or an unreachable server is one
    clear line, not a traceback. `async with bot` shuts everything down again either way."""
    async with bot:
        await bot.get_me()


async def _check_bot_api(bot: Bot, settings: Settings) -> None:
    """getMe once, as one clear line for every way it can fail; a 429 is waited out."""
    host = urlsplit(settings.api_base_url).netloc
    for _ in range(PREFLIGHT_ATTEMPTS):
        try:
            await _preflight(bot)
            return
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            log.warning("the Bot API asked to wait %.0f s before starting; waiting", wait)
            await asyncio.sleep(min(wait, MAX_STARTUP_WAIT))
        except InvalidToken as exc:
            # PTB wraps the answer; Telegram says 404 Not Found for a path that is not a bot
            # endpoint, 401 Unauthorized for a token it does not know.
            answer = f"{exc.__cause__ or ''} {exc.message}".lower()
            if "not found" in answer:
                raise ConfigError(
                    "BOT_API_BASE_URL",
                    f"points at {host}, which answered 'Not Found' for the bot's methods",
                    "Use the Bot API endpoint ending in /bot, e.g. https://api.telegram.org/bot",
                ) from None
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN",
                "was refused by the Bot API",
                "Copy the token again from @BotFather (or /revoke there and use the new one).",
            ) from None
        except NetworkError as exc:
            raise StartupError(
                f"cannot reach the Bot API at {host} ({exc.message}). Check the network, or "
                "BOT_API_BASE_URL if you run your own Bot API server."
            ) from None
        except TelegramError as exc:
            raise StartupError(
                f"the Bot API at {host} gave an answer that is not Telegram's ({exc.message}): "
                "a proxy in the way? Check BOT_API_BASE_URL and the network."
            ) from None
    raise StartupError(f"the Bot API at {host} kept asking to wait; try again later")


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _serve(settings: Settings) -> str | None:
    """Run the bot until a stop signal; returns why it failed, if it did."""
    from bot.app import build_application
    from bot.runner import Webhook, serve
    from bot.services import Services, load_locales

    services = Services(
        settings, load_locales(settings.content_dir, settings.language, settings.cache_dir)
    )
    app = build_application(settings, services=services)
    await _check_bot_api(app.bot, settings)
    webhook = None
    if settings.webhook_mode:
        webhook = Webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url=settings.webhook_url,
            secret=settings.webhook_secret.get(),
        )
    await serve(app, services.stop_requested, webhook=webhook, before_stop=services.stop_sending)
    return services.fatal


def _run(settings: Settings) -> int:
    fatal = asyncio.run(_serve(settings))
    return EXIT_FAILED if fatal else 0


def _route(settings: Settings, texts: Sequence[str], language: str | None, tiers: bool) -> None:
    from bot.language import LanguageGuesser
    from bot.services import load_locales

    locales = load_locales(settings.content_dir, settings.language, settings.cache_dir)
    lang = language.lower() if language else None
    if lang is not None and lang not in locales:
        raise ConfigError(
            "--lang", f"is {lang!r}, which has no content", f"Use one of: {', '.join(locales)}."
        )
    # Without --lang, each text is routed in the language it is written in.
    guesser = LanguageGuesser({code: loc.vocabulary() for code, loc in locales.items()})
    lines = texts if texts else (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    for text in lines:
        router = locales[lang or guesser.guess(text) or settings.language].router
        route = router.route(text)
        tier = f"\t{route.tier or '-'}" if tiers else ""
        out.write(f"{route.intent}\t{route.score}{tier}\n")
    out.flush()


def _remind(settings: Settings, args: argparse.Namespace) -> None:
    from bot.reminders import cli
    from bot.services import load_locales

    locales = load_locales(settings.content_dir, settings.language, settings.cache_dir)
    lang = (args.lang or settings.language).lower()
    content = locales[lang if lang in locales else settings.language].content
    cli.remind(content, args.text, args.tz, args.now, sys.stdout)


async def _migrate(settings: Settings) -> int:
    storage = await Storage.open(settings.db_path)
    version = await storage.schema_version()
    await storage.close()
    return version


def _need_sandbox(command: str) -> None:
    """The playground and the tour run the local Bot API server (sandbox/), which lives in the
    source checkout, not in the installed package (nor the Docker image)."""
    if importlib.util.find_spec("sandbox") is None:
        fix = "Run it from the repository"
        if command == "playground":
            fix += ", or set TELEGRAM_BOT_TOKEN to run the bot"
        raise ConfigError(
            f"python -m bot {command}",
            "needs the sandbox/ folder of the source checkout, which this installation lacks",
            fix + ".",
        )


def _check(settings: Settings) -> int:
    """`bot check`: every language's screens, links and text keys (the content schema)."""
    from bot import text_schema
    from bot.content import parity_problems
    from bot.emergency import EmergencyNumbers
    from bot.screen_check import all_screens, dead_ends, problems
    from bot.services import language_folders, load_locales

    # Every way a language folder differs from the default one, all listed before anything
    # else (load_locales would stop at the first).
    mismatches = [
        problem
        for lang in language_folders(settings.content_dir)
        for problem in parity_problems(settings.content_dir, lang)
    ]
    for mismatch in mismatches:
        print(f"content error: {mismatch}", file=sys.stderr)
    if mismatches:
        return EXIT_CONFIG
    locales = load_locales(settings.content_dir, settings.language, settings.cache_dir)
    EmergencyNumbers.load(settings.content_dir / "emergency_numbers.toml")
    schema = text_schema.declarations()  # read once, checked against every folder
    failed = False
    for lang, locale in locales.items():
        # Keys and placeholders first: the screens cannot be drawn without them.
        found = text_schema.problems(locale.content, schema)
        screens = [] if found else all_screens(locale.content, locale.flows)
        if not found:
            found = problems(screens, locale.content.button("back"))
            found += dead_ends(screens, locale.content, locale.flows)
        for problem in found:
            print(f"{lang}: {problem}", file=sys.stderr)
        failed = failed or bool(found)
        if not found:
            print(
                f"{lang}: {len(locale.content.topics)} topics, {len(screens)} screens, content OK"
            )
    return EXIT_CONFIG if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Durations from the Bot API (retry_after) as timedeltas: PTB 22's forward-compatible mode.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    env = read_environment()
    try:
        return _command(args, env)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _failed(exc, env)


def _command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    command = args.command or "run"
    if command == "run" and not env.get("TELEGRAM_BOT_TOKEN", "").strip() and sys.stdin.isatty():
        command = "playground"
    settings = load_settings(env, require_token=command == "run")
    if command in ("playground", "tour") and not env.get("LOG_LEVEL"):
        # The chat shares the terminal with the log: keep the log to what matters.
        settings = dataclasses.replace(settings, log_level="WARNING")
    setup_logging(settings)
    if command == "run":
        return _run(settings)
    if command == "check":
        return _check(settings)
    if command == "playground":
        _need_sandbox(command)
        from sandbox.playground import run_playground

        asyncio.run(run_playground(settings, sys.stdin, sys.stdout))
    elif command == "route":
        _route(settings, args.texts, args.lang, args.tiers)
    elif command == "remind":
        _remind(settings, args)
    elif command == "zone":
        from bot.reminders import cli, zones

        zones.warm_up(settings.content_dir / "timezones.toml", cache=settings.cache_dir)
        cli.zone(args.text, sys.stdout)
    elif command == "migrate":
        version = asyncio.run(_migrate(settings))
        print(f"database {settings.db_path} is at schema version {version}")
    elif command == "tour":
        _need_sandbox(command)
        from sandbox.tour import write_tour

        print(f"wrote {write_tour()}")
    return 0


# A known failure: one line, and the exit code that says what kind (checked in this order).
_KNOWN_FAILURES: tuple[tuple[type[Exception], str, int], ...] = (
    (ConfigError, "configuration error", EXIT_CONFIG),
    (ContentError, "content error", EXIT_CONFIG),
    (StorageError, "storage error", EXIT_CONFIG),
    (StartupError, "cannot start", EXIT_UNREACHABLE),
)


def _failed(exc: Exception, env: Mapping[str, str]) -> int:
    for kind, what, code in _KNOWN_FAILURES:
        if isinstance(exc, kind):
            print(f"{what}: {exc}", file=sys.stderr)
            return code
    # A bug: one line, with every secret redacted from the message and its whole chain
    # (a URL in an exception holds the token). The type and message say where to look.
    forms = redaction_forms(
        [env.get("TELEGRAM_BOT_TOKEN", "").strip(), env.get("WEBHOOK_SECRET", "").strip()]
    )
    chain: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:
        chain.append(f"{type(seen).__name__}: {seen}")
        seen = seen.__cause__ or seen.__context__
    print(redact("unexpected error: " + " <- ".join(chain), forms), file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
