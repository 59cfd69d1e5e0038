"""The emergency number to show a person, from their time zone or language. Pure.

The table is `content/emergency_numbers.toml`; with neither a zone nor a language that points to
one country, the caller shows the generic "112 / 911 / 999" text of its language. The language
is the one the person chose with /language when they chose one, else their Telegram
`language_code` (`for_person`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError


@dataclass(frozen=True)
class EmergencyNumbers:
    zones: Mapping[str, str]
    languages: Mapping[str, str]

    @classmethod
    def load(cls, path: Path) -> EmergencyNumbers:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ContentError(path, "-", "file is missing") from None
        except tomllib.TOMLDecodeError as exc:
            raise ContentError(path, "-", f"is not valid TOML: {exc}") from None
        zones = {str(k): str(v) for k, v in data.get("zones", {}).items()}
        languages = {str(k).lower(): str(v) for k, v in data.get("languages", {}).items()}
        return cls(zones, languages)

    def for_person(
        self, time_zone: str | None, chosen: str | None, language_code: str | None
    ) -> str | None:
        """The number for a person: by their time zone when known; else by their Telegram
        `language_code`, unless they chose (/language) another language than it: then by the
        chosen one. So "en-gb" gives 999, but an "en-gb" who chose Spanish gets Spanish's
        pick (none: the Spanish "112 / 911" text), and an "en" who chose Chinese gets 120."""
        code = (language_code or "").strip().lower()
        if chosen and re.split(r"[-_]", code, maxsplit=1)[0] != chosen.lower():
            code = chosen.lower()
        return self.number(time_zone, code or None)

    def number(self, time_zone: str | None, language_code: str | None) -> str | None:
        """The number for the person's country, or None when it cannot be told."""
        if time_zone:
            if time_zone in self.zones:
                return self.zones[time_zone]
            prefixes = [p for p in self.zones if p.endswith("/") and time_zone.startswith(p)]
            if prefixes:
                return self.zones[max(prefixes, key=len)]
        if language_code:
            return self.languages.get(language_code.lower())
        return None
