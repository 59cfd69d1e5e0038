"""The objects every handler needs, typed, wired once by `build_application`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.content import Content, ContentError, load_content
from bot.routing import Router
from bot.storage import Storage

Clock = Callable[[], float]


@dataclass(frozen=True)
class Locale:
    """One language: its content and a router built from its keywords."""

    content: Content
    router: Router

    @classmethod
    def build(cls, content: Content) -> Locale:
        keywords: dict[str, list[str]] = {}
        for topic in content.topics.values():
            keywords.setdefault(topic.intent, []).extend(topic.keywords)
        return cls(
            content,
            Router(keywords, content.red_flags, content.suffixes, content.stop_words),
        )


def load_locales(root: Path, default: str) -> dict[str, Locale]:
    """Every language folder under `root`; the default one must exist."""
    languages = sorted(
        p.name for p in root.iterdir() if p.is_dir() and (p / "system.toml").exists()
    )
    if default not in languages:
        raise ContentError(root / default, "-", "the default language has no content")
    return {lang: Locale.build(load_content(root, lang)) for lang in languages}


@dataclass
class Services:
    settings: Settings
    locales: Mapping[str, Locale]
    clock: Clock = time.time
    _storage: Storage | None = field(default=None, repr=False)

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            raise RuntimeError("storage is opened in post_init; the application is not running")
        return self._storage

    def attach_storage(self, storage: Storage | None) -> None:
        self._storage = storage

    def now(self) -> int:
        return int(self.clock())

    def locale(self, language_code: str | None) -> Locale:
        """The user's language when the bot has it, else the configured default."""
        if language_code:
            lang = language_code.split("-")[0].lower()
            if lang in self.locales:
                return self.locales[lang]
        return self.locales[self.settings.language]
