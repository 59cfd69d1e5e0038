"""Fonts for the chart and the PDF that have the glyphs of their text: matplotlib's own DejaVu
Sans has Latin and Cyrillic but no Chinese, so a Chinese label would show as empty boxes.

`choose` looks at the characters a picture will draw and adds, after DejaVu Sans, the installed
fonts that have the ones it lacks (matplotlib falls back through a `font.family` list glyph by
glyph, in the Agg and the PDF backends alike). Its font list is matplotlib's cache, which does
not see a font installed after it was written: when the cached fonts fall short, the system
fonts are scanned once more. A character no installed font has is reported, never an error:
the picture is drawn all the same and the caller logs a warning (`report`). The Docker image
and `.ci/run` install a CJK font (Debian `fonts-wqy-microhei`).

Runs in the drawing process (`chart.off_loop`), where matplotlib is imported; `report` runs in
the bot's own process.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from matplotlib.font_manager import FontEntry

log = logging.getLogger(__name__)

BASE_FAMILY = "DejaVu Sans"  # matplotlib's default, shipped with it: Latin, Greek, Cyrillic
# A font that has a box for every character: it covers everything and draws nothing.
NOT_A_FALLBACK = ("Last Resort",)
INSTALL_HINT = "install a font that has them (Debian: fonts-wqy-microhei or fonts-noto-cjk)"


class Drawn(NamedTuple):
    """What the drawing process sends back: the file, and the characters no font had."""

    data: bytes
    missing: str


@dataclass(frozen=True)
class FontChoice:
    families: tuple[str, ...]  # DejaVu Sans first, then the fonts that fill its gaps
    missing: str  # characters none of the installed fonts has, in code point order


def _drawn_characters(texts: Iterable[str]) -> set[str]:
    """The characters that need a glyph: not spaces, not control or format characters."""
    return {
        c for text in texts for c in text if not c.isspace() and unicodedata.category(c)[0] != "C"
    }


@functools.cache
def _charmap(path: str, index: int) -> frozenset[int]:
    """The code points a font file's face has a glyph for (empty when it cannot be read)."""
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(path, face_index=index).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _usable(entries: Iterable[FontEntry]) -> list[FontEntry]:
    """Upright, regular-weight faces, one per family (the fallback draws labels, not bold
    headings: matplotlib finds the family's bold face itself)."""
    by_family: dict[str, FontEntry] = {}
    for entry in entries:
        if entry.name.startswith(NOT_A_FALLBACK) or entry.style != "normal":
            continue
        if entry.weight not in (400, "normal", "regular", "book"):
            continue
        by_family.setdefault(entry.name, entry)
    return sorted(by_family.values(), key=lambda e: e.name)


def _cover(needed: set[str], entries: Sequence[FontEntry], families: list[str]) -> set[str]:
    """Add to `families` the fonts that draw most of `needed`, one at a time (greedy); the
    characters still without a glyph."""
    missing = set(needed)
    while missing:
        best, best_count = None, 0
        for entry in entries:
            if entry.name in families:
                continue
            charmap = _charmap(str(entry.fname), getattr(entry, "index", 0))
            count = sum(1 for c in missing if ord(c) in charmap)
            if count > best_count:
                best, best_count = entry, count
        if best is None:
            break
        families.append(best.name)
        charmap = _charmap(str(best.fname), getattr(best, "index", 0))
        missing = {c for c in missing if ord(c) not in charmap}
    return missing


@functools.cache
def _rescan() -> bool:
    """Add the system fonts matplotlib's cache does not know (installed after it was
    written), once per process; whether any was added."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {str(e.fname) for e in manager.ttflist}
    added = False
    for path in font_manager.findSystemFonts():
        if path not in known:
            with contextlib.suppress(OSError, RuntimeError, ValueError):
                manager.addfont(path)
                added = True
    return added


def choose(texts: Iterable[str], entries: Sequence[FontEntry] | None = None) -> FontChoice:
    """The font families that draw `texts`: DejaVu Sans, then the fewest installed fonts
    that have what it lacks. `entries` defaults to matplotlib's installed fonts."""
    from matplotlib import font_manager

    needed = _drawn_characters(texts)
    base = _charmap(font_manager.findfont(BASE_FAMILY, fallback_to_default=True), 0)
    lacking = {c for c in needed if ord(c) not in base}
    families = [BASE_FAMILY]
    if not lacking:
        return FontChoice((BASE_FAMILY,), "")
    if entries is not None:
        missing = _cover(lacking, _usable(entries), families)
    else:
        missing = _cover(lacking, _usable(font_manager.fontManager.ttflist), families)
        if missing and _rescan():
            missing = _cover(missing, _usable(font_manager.fontManager.ttflist), families)
    return FontChoice(tuple(families), "".join(sorted(missing)))


@contextlib.contextmanager
def drawing_with(choice: FontChoice) -> Iterator[None]:
    """Create and save a figure in here: its text is drawn with `choice`'s families.
    matplotlib's own "Glyph missing" warnings are left out: `report` says it once."""
    import matplotlib

    # A Chinese font with no bold face: the bold title is drawn in its regular weight.
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)
    try:
        with (
            matplotlib.rc_context({"font.family": list(choice.families)}),
            warnings.catch_warnings(),
        ):
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            yield
    finally:
        font_log.setLevel(level)


_reported: set[str] = set()


def report(missing: str, what: str) -> None:
    """Log a warning for characters a picture drew as boxes (once for each new character:
    every chart would say the same)."""
    new = set(missing) - _reported
    if not new:
        return
    _reported.update(new)
    shown = "".join(sorted(missing))[:40]
    log.warning(
        "the %s has %d character(s) no installed font draws (%s): they show as boxes; %s",
        what, len(missing), shown, INSTALL_HINT,
    )  # fmt: skip
