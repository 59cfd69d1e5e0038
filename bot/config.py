"""Settings from the environment (and a `.env` file), validated once at start-up.

A bad value stops the bot with one line that names the variable and the fix; `__main__` turns
`ConfigError` into exit code 2 without a traceback.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar
from urllib.parse import quote, urlsplit

from dotenv import dotenv_values

from bot import build_cache

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook secret_token; fewer
# than 16 is guessable (and could not be redacted from logs without garbling them).
# Shorter secrets are refused by load_settings, and never redacted (that would garble logs).
MIN_SECRET_LENGTH = 16
WEBHOOK_SECRET_RE = re.compile(rf"^[A-Za-z0-9_-]{{{MIN_SECRET_LENGTH},256}}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
N = TypeVar("N", int, float)


class ConfigError(Exception):
    """A setting is missing or invalid. The message names the variable and the fix."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        super().__init__(f"{variable} {problem}. {fix}")
        self.variable = variable


class Secret:
    """A string that never shows itself in repr(), str() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    token: Secret = field(default_factory=lambda: Secret(""))
    db_path: Path = PROJECT_ROOT / "data" / "crampbot.sqlite3"
    content_dir: Path = PROJECT_ROOT / "content"
    language: str = "en"
    log_level: str = "INFO"
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    webhook_listen: str = "0.0.0.0"  # a webhook must listen beyond loopback
    webhook_port: int = 8443
    reminder_rate: float = 25.0
    reminder_grace_minutes: int = 60
    reminder_sweep_seconds: float = 20.0
    operator_ids: frozenset[int] = frozenset()
    # Where built languages and the zone index are kept between starts (bot/build_cache.py);
    # None: built at every start. `load_settings` gives the user's cache folder.
    cache_dir: Path | None = None

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url)


def _number(
    env: Mapping[str, str], name: str, default: N, lo: N, hi: N, kind: Callable[[str], N]
) -> N:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(name, f"is {raw!r}, not {what}", f"Set it to {lo}..{hi}.") from None
    if not lo <= value <= hi:
        raise ConfigError(name, f"is {value}, out of range", f"Set it to {lo}..{hi}.")
    return value


def _url(env: Mapping[str, str], name: str, default: str, suffix: str) -> str:
    """An http(s) URL that urllib can take apart, whose path ends with `suffix` (the Bot API
    puts the token right after it)."""
    value = env.get(name, "").strip() or default
    problem = ""
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a port that is not a number
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "not an http(s) URL"
        elif not parts.path.endswith(suffix) or parts.query or parts.fragment:
            problem = f"does not end with {suffix!r}"
    except ValueError:
        problem = "not a valid URL"
    if problem:
        # The value is the operator's own setting (no token in it), so it can be shown.
        raise ConfigError(name, f"is {value!r}, {problem}", f"Use a URL like {default!r}.")
    return value


def _operator_ids(env: Mapping[str, str]) -> frozenset[int]:
    raw = env.get("OPERATOR_IDS", "").replace(",", " ").split()
    try:
        return frozenset(int(x) for x in raw)
    except ValueError:
        raise ConfigError(
            "OPERATOR_IDS",
            "has a value that is not a Telegram user id",
            "List numeric user ids separated by commas, e.g. 12345,67890.",
        ) from None


def read_environment(env_file: Path | None = None) -> dict[str, str]:
    """The process environment over the values of `.env` (the environment wins)."""
    values: dict[str, str] = {}
    path = env_file if env_file is not None else Path.cwd() / ".env"
    if path.is_file():
        values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    values.update(os.environ)
    return values


def load_settings(env: Mapping[str, str], *, require_token: bool = True) -> Settings:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN",
            "is not set",
            "Get a token from @BotFather and put TELEGRAM_BOT_TOKEN=... in .env "
            "(or run in a terminal to use the offline playground).",
        )
    if token and not TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN",
            "does not look like a bot token",
            "Copy the whole token from @BotFather: digits, a colon, then 35 characters.",
        )
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"is {log_level!r}", f"Use one of {', '.join(LOG_LEVELS)}.")

    webhook_url = env.get("WEBHOOK_URL", "").strip()
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip()
    if webhook_url:
        if not webhook_url.startswith("https://"):
            raise ConfigError(
                "WEBHOOK_URL",
                "must start with https://",
                "Telegram only delivers webhooks over HTTPS; leave it empty for polling.",
            )
        if not WEBHOOK_SECRET_RE.match(webhook_secret):
            raise ConfigError(
                "WEBHOOK_SECRET",
                "is missing, shorter than 16 characters, or has characters Telegram refuses",
                "Set 16-256 characters from A-Z, a-z, 0-9, _ and - (webhook mode needs it), "
                "e.g. the output of: openssl rand -hex 32",
            )

    content_dir = Path(env.get("CONTENT_DIR", "").strip() or Settings.content_dir)
    if not content_dir.is_dir():
        raise ConfigError(
            "CONTENT_DIR",
            f"is {str(content_dir)!r}, not a folder",
            "Point it at the project's content/ folder.",
        )
    language = env.get("BOT_LANGUAGE", "en").strip() or "en"
    if not (content_dir / language).is_dir():
        raise ConfigError(
            "BOT_LANGUAGE",
            f"is {language!r} but {content_dir / language} does not exist",
            "Use a language that has a folder in content/.",
        )

    return Settings(
        token=Secret(token),
        db_path=Path(env.get("DATABASE_PATH", "").strip() or Settings.db_path),
        content_dir=content_dir,
        language=language,
        log_level=log_level,
        api_base_url=_url(env, "BOT_API_BASE_URL", Settings.api_base_url, "/bot"),
        api_file_url=_url(env, "BOT_API_FILE_URL", Settings.api_file_url, "/file/bot"),
        webhook_url=webhook_url,
        webhook_secret=Secret(webhook_secret),
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or Settings.webhook_listen,
        webhook_port=_number(env, "WEBHOOK_PORT", Settings.webhook_port, 1, 65535, int),
        reminder_rate=_number(env, "REMINDER_RATE", Settings.reminder_rate, 0.1, 100_000.0, float),
        reminder_grace_minutes=_number(
            env, "REMINDER_GRACE_MINUTES", Settings.reminder_grace_minutes, 0, 24 * 60, int
        ),
        reminder_sweep_seconds=_number(
            env, "REMINDER_SWEEP_SECONDS", Settings.reminder_sweep_seconds, 0.05, 3600.0, float
        ),
        operator_ids=_operator_ids(env),
        cache_dir=build_cache.parse_dir(env.get("CACHE_DIR", ""), dict(env)),
    )


def redaction_forms(secrets: list[str]) -> list[str]:
    """Each secret as it may appear in text: as is, and URL-encoded (`:` as %3A)."""
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            forms |= {secret, quote(secret, safe=""), quote(secret)}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, "<redacted>")
    return text


class RedactingFilter(logging.Filter):
    """Replaces whole secrets in every log record (message, traceback with its whole chain,
    stack), whatever logger or library wrote it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._forms = redaction_forms(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._forms:
            return True
        message = redact(record.getMessage(), self._forms)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._forms)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._forms)
        record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Configure logging once, at run time (never at import time)."""
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter([settings.token.get(), settings.webhook_secret.get()]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token. The filter above
    # redacts it anyway; keeping these quiet also keeps the log readable.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
