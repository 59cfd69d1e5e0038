"""The objects every handler needs, typed, wired once by `build_application`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot import build_cache
from bot.config import Settings
from bot.content import Content, ContentError, load_content, parity_problems
from bot.emergency import EmergencyNumbers
from bot.flows import FlowEngine, FlowError
from bot.intents import SAFETY
from bot.language import Analyzer, LanguageGuesser, content_language
from bot.routing import Router
from bot.spelling import dictionary_words
from bot.storage import Storage
from bot.text_schema import uses

if TYPE_CHECKING:
    from bot.diary.weekly import WeeklyNotes
    from bot.reminders.sweep import ReminderScheduler

log = logging.getLogger(__name__)

# Each language's own name, for the language chooser (see bot/text_schema.py).
uses(__name__, "system.toml", "texts", "language_name")

Clock = Callable[[], float]
USER_CACHE_SIZE = 100_000
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Locale:
    """One language: its content, a router built from its keywords, and its flows."""

    content: Content
    router: Router
    flows: FlowEngine

    def vocabulary(self) -> set[str]:
        """The words of this language's keywords and small words, as written (folded), for
        telling which language a message is in."""
        analyzer = Analyzer(self.content.language)
        content = self.content
        entries = [k for t in content.topics.values() for k in t.keywords]
        entries += [*content.stop_words, *content.generic_words, *content.anchors]
        return {w for entry in entries for w in analyzer.words(entry) if not w.isdigit()}

    @staticmethod
    def real_words(content: Content, analyzer: Analyzer) -> frozenset[str]:
        """Real words of the language, never taken for a typo of a keyword or a sign: the
        dictionary's (pyspellchecker), and every word the bot's own texts use."""
        texts = [*content.texts.values(), *content.buttons.values()]
        texts += [f"{t.title} {t.body}" for t in content.topics.values()]
        if content.flows is not None:
            texts += [st.text for f in content.flows.flows.values() for st in f.steps.values()]
        if content.reminders is not None:
            texts += [*content.reminders.texts.values(), *content.reminders.messages.values()]
        words = set(_folded_dictionary(content.language))
        words |= {w for text in texts for w in analyzer.words(text) if len(w) > 1}
        return frozenset(words)

    @classmethod
    def build(
        cls,
        content: Content,
        analyzer: Analyzer | None = None,
        examples: Iterable[tuple[str, str]] = (),
    ) -> Locale:
        keywords: dict[str, list[str]] = {}
        for topic in content.topics.values():
            keywords.setdefault(topic.intent, []).extend(topic.keywords)
        if content.flows is None:
            raise ContentError(content.language, "flows", "flows.toml is missing")
        try:
            engine = FlowEngine(content.flows)
        except FlowError as exc:
            raise ContentError(f"{content.language}/flows.toml", "flow", str(exc)) from None
        analyzer = analyzer or Analyzer(content.language)
        return cls(
            content,
            Router(
                keywords,
                content.warnings,
                analyzer,
                content.stop_words,
                cls.real_words(content, analyzer),
                content.generic_words,
                content.places,
                content.anchors,
                content.needs,
                content.now_words,
                content.now_phrases,
                content.not_now,
                content.cues,
                examples,
                content.blend,
            ),
            engine,
        )


@lru_cache(maxsize=8)
def _folded_dictionary(language: str) -> frozenset[str]:
    """The dictionary's words as the language folds them (once per process: 100,000 words)."""
    fold = Analyzer(language).fold
    return frozenset(fold(w) for w in dictionary_words(language))


def language_folders(root: Path) -> list[str]:
    """The language folders under `root` (each with a system.toml), sorted."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "system.toml").exists())


def load_locales(root: Path, default: str, cache: Path | None = None) -> dict[str, Locale]:
    """Every language folder under `root`; the default one must exist. Each language must have
    every file, key, placeholder, button and flow step of the reference language (English) and
    nothing more: a missing text stops start-up naming the language, file and key, so a shipped
    language never falls back to English in silence.

    `cache`: a folder where the built languages are kept (bot/build_cache.py): read from there
    while nothing they are built from has changed (such a copy passed these checks when built)."""
    key = build_cache.fingerprint([root], default)
    return build_cache.cached("locales", key, lambda: _build_locales(root, default), cache)


def _build_locales(root: Path, default: str) -> dict[str, Locale]:
    languages = language_folders(root)
    if default not in languages:
        raise ContentError(root / default, "-", "the default language has no content")
    for lang in languages:
        problems = parity_problems(root, lang)
        if problems:
            first = problems[0]
            more = f" ({len(problems) - 1} more: python -m bot check)" if len(problems) > 1 else ""
            raise ContentError(root / lang / first.file, first.key, first.problem + more)
    return {
        lang: Locale.build(load_content(root, lang), examples=read_examples(root / lang))
        for lang in languages
    }


EXAMPLES = "examples.tsv"


def read_examples(folder: Path) -> list[tuple[str, str]]:
    """A language's labelled example messages (`examples.tsv`: text, accepted intents, tier),
    as (text, intent): a line with a warning tier is `safety`, else its first accepted intent.
    No file: no examples (the router then decides by keywords alone)."""
    path = folder / EXAMPLES
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[0].strip() or not fields[1].strip():
            raise ContentError(path, f"line {n}", "needs: text <TAB> intents <TAB> tier")
        text, accepted, tier = fields
        out.append((text, example_label(accepted, tier)))
    return out


def example_label(accepted: str, tier: str) -> str:
    """What the model learns from an example line: `safety` when it has a warning tier, else
    the first of its accepted intents ("cramp_now|flow_bed" -> cramp_now)."""
    return SAFETY if tier.strip() != "-" else accepted.split("|", maxsplit=1)[0].strip()


@dataclass
class Services:
    settings: Settings
    locales: Mapping[str, Locale]
    clock: Clock = time.time
    # Countdowns and retries wait with this; tests pass one that does not really sleep.
    sleep: Sleep = asyncio.sleep
    _storage: Storage | None = field(default=None, repr=False)
    # The reminder sweep, running while the application runs (tests tick it by hand).
    scheduler: ReminderScheduler | None = field(default=None, repr=False)
    # The time-zone index being built in a thread at start-up (bot/reminders/zones.py).
    zone_index: asyncio.Future[None] | None = field(default=None, repr=False)
    # The diary's weekly notes, ticked by the same sweep job (tests tick it by hand).
    weekly: WeeklyNotes | None = field(default=None, repr=False)
    # Set to stop the running bot (by a signal, or by `fail`); `fatal` says why it failed.
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    fatal: str | None = None

    def fail(self, reason: str) -> None:
        """Something the bot cannot recover from while running: log one line and stop, so
        that the process exits non-zero and a supervisor restarts it or alerts."""
        if self.fatal is None:
            self.fatal = reason
            log.error("stopping: %s", reason)
        self.stop_requested.set()

    async def stop_sending(self) -> None:
        """The first step of a stop: the reminder outbox stops at once (see Outbox.stop)."""
        if self.scheduler is not None:
            await self.scheduler.stop()

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            raise RuntimeError("storage is opened in post_init; the application is not running")
        return self._storage

    def attach_storage(self, storage: Storage | None) -> None:
        self._storage = storage

    @cached_property
    def emergency_numbers(self) -> EmergencyNumbers:
        return EmergencyNumbers.load(self.settings.content_dir / "emergency_numbers.toml")

    def now(self) -> int:
        return int(self.clock())

    # Per person: the language they chose (/language, "Keep"; "" once read and none chosen),
    # and the one a message of theirs was written in, used until they keep it or choose
    # another. Bounded, like every cache.
    chosen_languages: dict[int, str] = field(default_factory=dict, repr=False)
    session_languages: dict[int, str] = field(default_factory=dict, repr=False)

    @cached_property
    def guesser(self) -> LanguageGuesser:
        return LanguageGuesser({lang: locale.vocabulary() for lang, locale in self.locales.items()})

    def language_names(self) -> dict[str, str]:
        """Each language's own name ("中文", "Español"), the default language first."""
        first = self.settings.language
        order = [first, *(lang for lang in self.locales if lang != first)]
        return {lang: self.locales[lang].content.text("language_name") for lang in order}

    def user_language(self, user_id: int) -> str | None:
        """The language this person is being answered in, if not their Telegram one."""
        return self.session_languages.get(user_id) or self.chosen_languages.get(user_id)

    def remember(self, table: dict[int, str], user_id: int, language: str) -> None:
        if len(table) >= USER_CACHE_SIZE:
            table.clear()
        table[user_id] = language

    def forget_language(self, user_id: int) -> None:
        self.chosen_languages.pop(user_id, None)
        self.session_languages.pop(user_id, None)

    def locale(self, language_code: str | None) -> Locale:
        """The language a Telegram `language_code` means when the bot has it ("zh-hant" ->
        zh, "es-419" -> es), else the configured default."""
        lang = content_language(language_code, self.locales)
        return self.locales[lang or self.settings.language]
