"""The tuning half's misses for one language, grouped by kind (expected -> routed), for whoever
tunes keywords and warning words. Each message is routed by a model that never learned from it
(5-fold cross-validation), so the misses are real ones. The held-out half is never printed."""

from __future__ import annotations

from collections import Counter, defaultdict

from bench.routing import caught, cross_validated, halves, load_cases
from bot.config import PROJECT_ROOT
from bot.services import load_locales


def misses(lang: str) -> dict[str, list[str]]:
    """Each kind of miss on the tuning half, with its messages."""
    router = load_locales(PROJECT_ROOT / "content", "en")[lang].router
    found: dict[str, list[str]] = defaultdict(list)
    cases = load_cases(halves(lang)["tune"])
    for case, route in zip(cases, cross_validated(router, cases), strict=True):
        if case.tier is not None:
            if not caught(route, case.tier):
                found[f"missed {case.tier} sign -> {route.intent} ({route.tier})"].append(case.text)
        elif route.intent not in case.accepted:
            shown = f"{route.intent} ({route.tier})" if route.tier else route.intent
            found[f"{'|'.join(sorted(case.accepted))} -> {shown}"].append(case.text)
    return found


def run(lang: str, examples: int) -> None:
    found = misses(lang)
    counts = Counter({kind: len(texts) for kind, texts in found.items()})
    print(f"{lang}: {sum(counts.values())} misses on the tuning half")
    for kind, n in counts.most_common():
        print(f"{n:4d}  {kind}")
        for text in found[kind][:examples]:
            print(f"        {text[:200]}")
