"""Question cues for the router: words that favour a family of intents. Pure data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """Question words ("why", "prevent") that favour a family of intents; the first intent is
    the family's general one ("causes" for the causes)."""

    intents: tuple[str, ...]
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
