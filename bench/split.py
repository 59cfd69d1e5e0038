"""Split a language's labelled messages once into a tuning half and a held-out half, by a hash of
the text: the scheme of the English files (sha256 of the lower-cased text; odd: held out), so a
line always falls in the same half and a later, larger file only adds lines to each half."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bench.routing import halves

HEADER = """# Routing evaluation set, {lang}, {half}. One message a line:
# text <TAB> accepted intent ids separated by '|' <TAB> least urgent acceptable warning tier
# (emergency, today, soon; '-' when the message has no warning sign).
# Written by a helper who saw only the intent list and the fact base, never the keyword lists.
# Split once, by a hash of the text, into a tuning half and a held-out half.
# {rule}
"""
RULES = {
    "tuning half": "Tune keywords on this half only; never copy a line into the keywords.",
    "held-out half": "Never tune on this half: it measures how well routing generalises.",
}


def held_out(text: str) -> bool:
    return int(hashlib.sha256(text.lower().encode()).hexdigest(), 16) % 2 == 1


def split(source: Path, lang: str) -> tuple[int, int]:
    """Write content/<lang>/examples.tsv (tuning half) and tests/data/routing_<lang>_holdout.tsv
    from `source`; line counts."""
    lines = [
        line
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and line.count("\t") == 2
    ]
    unique = list(dict.fromkeys(lines))
    parts = {
        "tune": [line for line in unique if not held_out(line.split("\t")[0])],
        "holdout": [line for line in unique if held_out(line.split("\t")[0])],
    }
    for half, rows in parts.items():
        path = halves(lang)[half]
        name = "tuning half" if half == "tune" else "held-out half"
        header = HEADER.format(lang=lang, half=name, rule=RULES[name])
        if path.exists():  # keep the file's own header
            old = path.read_text(encoding="utf-8").splitlines()
            header = "".join(f"{line}\n" for line in old if line.startswith("#")) or header
        path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return len(parts["tune"]), len(parts["holdout"])
