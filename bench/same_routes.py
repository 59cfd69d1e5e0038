"""Every route of every evaluation message, written out, so a change meant to make routing faster
can be shown to change nothing: `python -m bench same_routes OUT` before and after, then
`cmp` (or `diff`) the two files. It routes every line of each language's `examples.tsv` and
`tests/data/routing_*holdout.tsv`, and the benchmark's messages (`bench.routing.messages`,
long random ones included), each twice: on a freshly loaded router (nothing remembered yet) and
again once every message has been seen, so a cache that changed an answer would show. Each line:
language, where the message comes from, its route (intent, score, the alternatives with their
scores, the warning signs with their tiers) and the router's `scores` of it.

The script runs as a file too (`python bench/same_routes.py OUT`), so that another checkout's
code can route the same files: `PYTHONPATH=/work/main /work/main/.venv/bin/python
bench/same_routes.py OUT`."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from bench.routing import halves, load_cases, messages
from bot.config import PROJECT_ROOT
from bot.routing import Route, Router
from bot.services import load_locales

LANGUAGES = ("en", "zh", "ru", "es")
SEEDS = (7, 8)


def _texts(lang: str) -> list[tuple[str, str]]:
    """(where, text) of every message routed in a language."""
    out: list[tuple[str, str]] = []
    for half, path in halves(lang).items():
        if path.exists():
            out += [(f"{half}:{n}", c.text) for n, c in enumerate(load_cases(path), 1)]
    for seed in SEEDS:
        out += [(f"bench{seed}:{n}", t) for n, t in enumerate(messages(seed, lang=lang), 1)]
    return out


def _line(lang: str, where: str, text: str, route: Route, router: Router) -> str:
    warnings = " ".join(f"{w.sign}/{w.tier}" for w in route.warnings)
    others = " ".join(f"{i}={s}" for i, s in route.alternatives)
    scores = " ".join(f"{i}={s}" for i, s in router.scores(text))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return (
        f"{lang}\t{where}\t{digest}\t{route.intent}\t{route.score}\t{others}\t{warnings}\t{scores}"
    )


def run(out: Path) -> int:
    """Write every route to `out`; the number of lines written."""
    lines: list[str] = []
    locales = load_locales(PROJECT_ROOT / "content", "en")
    for lang in LANGUAGES:
        if lang not in locales:
            continue
        router = locales[lang].router
        texts = _texts(lang)
        for label in ("cold", "warm"):
            for where, text in texts:
                lines.append(_line(lang, f"{label}:{where}", text, router.route(text), router))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: same_routes.py OUT")
    print(f"{run(Path(sys.argv[1]))} routes written to {sys.argv[1]}")
