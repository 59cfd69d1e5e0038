"""Routing quality on the project's evaluation set (tuning and held-out halves) and routing time
per message on realistic and worst-case text, up to 4,096 characters."""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.intents import FALLBACK, SAFETY
from bot.reminders import zones
from bot.routing import Route, Router
from bot.services import example_label, load_locales
from bot.warning_signs import TIERS

DATA = PROJECT_ROOT / "tests" / "data"
CONTENT = PROJECT_ROOT / "content"
# The tuning half is the content's examples.tsv (the learned model trains on it).
HALVES = {"tune": CONTENT / "en" / "examples.tsv", "holdout": DATA / "routing_holdout.tsv"}
# The other languages' sets: content/<lang>/examples.tsv and routing_<lang>_holdout.tsv.
LANGUAGES = ("zh", "ru", "es")


def halves(lang: str) -> dict[str, Path]:
    """The tuning and held-out files of a language (English: the original two)."""
    if lang == "en":
        return HALVES
    holdout = DATA / f"routing_{lang}_holdout.tsv"
    return {"tune": CONTENT / lang / "examples.tsv", "holdout": holdout}


# A message that denies a sign ("no swelling", "it isn't red"): the emergency tier must not show.
NEGATION = re.compile(r"\b(no|not|without|never|nor|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t)\b")


@dataclass(frozen=True)
class Case:
    text: str
    accepted: frozenset[str]
    tier: str | None  # the least urgent acceptable tier; None: no warning sign
    label: str = ""  # what the learned model learns: safety with a tier, else the first intent


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, accepted, tier = line.split("\t")
        label = example_label(accepted, tier)
        cases.append(
            Case(text, frozenset(accepted.split("|")), None if tier == "-" else tier, label)
        )
    return cases


def urgent_enough(shown: str | None, needed: str) -> bool:
    return shown is not None and TIERS.index(shown) <= TIERS.index(needed)


def caught(route: Route, needed: str) -> bool:
    """A warning sign routed to the safety advice at a tier at least as urgent as `needed`."""
    return route.intent == SAFETY and urgent_enough(route.tier, needed)


def clopper_pearson_upper(misses: int, n: int, confidence: float = 0.95) -> float:
    """One-sided upper bound of a miss rate; with no miss it is 1 - (alpha/2)^(1/n)."""
    if n == 0:
        return 1.0
    alpha = 1 - confidence
    if misses == 0:
        return float(1 - (alpha / 2) ** (1 / n))
    # Bisection on the binomial tail: P(X <= misses | p) = alpha / 2.
    from math import comb

    def tail(p: float) -> float:
        return sum(comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(misses + 1))

    lo, hi = misses / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tail(mid) > alpha / 2 else (lo, mid)
    return float(hi)


FOLDS = 5


def fold(text: str) -> int:
    """The cross-validation fold of an example: by a hash of its text, so it never varies."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % FOLDS


def cross_validated(router: Router, cases: list[Case]) -> list[Route]:
    """Each example routed by a model trained on the other folds only (5-fold), so a figure on
    the examples says how the router does on messages it never learned from. The router's
    model is trained on all the examples again afterwards."""
    routes: dict[int, Route] = {}
    for k in range(FOLDS):
        router.learn((c.text, c.label) for c in cases if fold(c.text) != k)
        routes |= {n: router.route(c.text) for n, c in enumerate(cases) if fold(c.text) == k}
    router.learn((c.text, c.label) for c in cases)
    return [routes[n] for n in range(len(cases))]


def quality(
    router: Router, cases: list[Case], routed: list[Route] | None = None
) -> dict[str, float | int]:
    """Accuracy, warning-sign recall per tier, off-topic kept and negated signs not escalated
    (`routed`: the cases' routes when already known, e.g. cross-validated)."""
    if routed is None:
        routed = [router.route(case.text) for case in cases]
    routes = list(zip(cases, routed, strict=True))
    out: dict[str, float | int] = {
        "lines": len(cases),
        "accuracy": round(sum(r.intent in c.accepted for c, r in routes) / len(cases), 4),
    }
    for tier in TIERS:
        rows = [(c, r) for c, r in routes if c.tier == tier]
        misses = sum(not caught(r, tier) for _, r in rows)
        out[f"warning_{tier}_n"] = len(rows)
        out[f"warning_{tier}_recall"] = round(1 - misses / len(rows), 4) if rows else 1.0
        out[f"warning_{tier}_miss_upper95"] = round(clopper_pearson_upper(misses, len(rows)), 4)
    off_topic = [(c, r) for c, r in routes if FALLBACK in c.accepted]
    out["off_topic_n"] = len(off_topic)
    out["off_topic_kept"] = (
        round(sum(r.intent in c.accepted for c, r in off_topic) / len(off_topic), 4)
        if off_topic
        else 1.0
    )
    negated = [(c, r) for c, r in routes if c.tier is None and _denies(router, c.text)]
    out["negated_n"] = len(negated)
    out["negated_not_emergency"] = (
        round(sum(r.tier != "emergency" for _, r in negated) / len(negated), 4) if negated else 1.0
    )
    return out


def _denies(router: Router, text: str) -> bool:
    """Whether a message has a negation word: English by NEGATION, other languages by their
    warning_signs.toml negations (Chinese inside words, the others as whole words)."""
    spec = router.detector.spec
    if spec.grammar.words.get("since") == frozenset({"since"}) or not spec.negations:
        return bool(NEGATION.search(text.lower()))
    lowered = text.lower()
    if any("\u4e00" <= ch <= "\u9fff" for ch in lowered):
        return any(n in lowered for n in spec.negations)
    words = set(re.findall(r"[^\W_]+", lowered))
    return not words.isdisjoint(spec.negations)


def _cross_validated_quality(router: Router, lang: str) -> dict[str, float | int]:
    cases = load_cases(halves(lang)["tune"])
    return quality(router, cases, cross_validated(router, cases))


def messages(seed: int = 7, lang: str = "en") -> list[str]:
    rng = random.Random(seed)
    short = [case.text for case in load_cases(halves(lang)["tune"])]
    words = " ".join(short).split()
    out = list(short)
    for length in (200, 500, 1000, 2000, 4096):
        for _ in range(10):
            text = " ".join(rng.choice(words) for _ in range(length // 4))
            out.append(text[:length])
    out.append("😀" * 2048)
    out.append("a" * 4096)
    return out


def zone_lookup_us(rounds: int) -> float:
    """Mean time of a typed city or zone lookup once the index is built (the set-up step;
    `python -m bench zones` has the full figures)."""
    zones.warm_up()
    queries = ["London", "londn", "New York", "sao paulo", "asdfgh", "UTC+2", "paris france"]
    start = time.perf_counter_ns()
    for _ in range(rounds):
        for text in queries:
            zones.resolve_zone(text)
    return round((time.perf_counter_ns() - start) / 1000 / (rounds * len(queries)), 1)


def timing(lang: str, rounds: int) -> dict[str, object]:
    """Routing time per message in one language: its tuning lines and long random texts."""
    router = load_locales(PROJECT_ROOT / "content", "en")[lang].router
    texts = messages(lang=lang)
    # Cold: a fresh router, each message routed once (nothing cached yet).
    cold_router = load_locales(PROJECT_ROOT / "content", "en")[lang].router
    cold: list[float] = []
    for text in texts:
        start = time.perf_counter_ns()
        cold_router.route(text)
        cold.append((time.perf_counter_ns() - start) / 1000)
    for text in texts:  # warm-up
        router.route(text)
    timings: list[float] = []
    long_timings: list[float] = []
    # The evaluation set's own messages, apart from the long random texts (the other languages'
    # sets are small, so their long texts weigh far more in the overall figures).
    lines = {case.text for case in load_cases(halves(lang)["tune"])}
    line_timings: list[float] = []
    # CPU time of the routing thread too: on a busy machine wall time measures the machine.
    cpu: list[float] = []
    cpu_long: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            start_cpu = time.thread_time_ns()
            router.route(text)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
            elapsed = (time.perf_counter_ns() - start) / 1000
            timings.append(elapsed)
            if len(text) >= 2000:
                cpu_long.append(cpu[-1])
            if len(text) >= 2000:
                long_timings.append(elapsed)
            if text in lines:
                line_timings.append(elapsed)
    timings.sort()
    cpu.sort()
    cpu_long.sort()
    long_timings.sort()
    line_timings.sort()
    cold.sort()

    def pct(values: list[float], p: float) -> float:
        return round(values[min(len(values) - 1, int(len(values) * p))], 1)

    return {
        "messages": len(texts) * rounds,
        "max_chars": max(len(t) for t in texts),
        "p50_us": pct(timings, 0.50),
        "p99_us": pct(timings, 0.99),
        "max_us": round(timings[-1], 1),
        "mean_us": round(statistics.fmean(timings), 1),
        "p99_us_2000_plus_chars": pct(long_timings, 0.99),
        "p50_us_set_messages": pct(line_timings, 0.50),
        "p99_us_set_messages": pct(line_timings, 0.99),
        "cpu_p50_us": pct(cpu, 0.50),
        "cpu_p99_us": pct(cpu, 0.99),
        "cpu_p99_us_2000_plus_chars": pct(cpu_long, 0.99),
        "cold_p50_us": pct(cold, 0.50),
        "cold_p99_us": pct(cold, 0.99),
    }


def run(rounds: int = 20) -> None:
    locales = load_locales(PROJECT_ROOT / "content", "en")
    result: dict[str, object] = {"benchmark": "routing", **timing("en", rounds)}
    result["zone_lookup_us"] = zone_lookup_us(rounds)
    for half, path in HALVES.items():
        result[half] = quality(locales["en"].router, load_cases(path))
    result["tune_cv"] = _cross_validated_quality(locales["en"].router, "en")
    print(f"en: routed {result['messages']} messages, p99 {result['p99_us']} µs")
    for lang in LANGUAGES:
        if lang not in locales or not halves(lang)["tune"].exists():
            continue
        figures: dict[str, object] = timing(lang, rounds)
        for half, path in halves(lang).items():
            figures[half] = quality(locales[lang].router, load_cases(path))
        figures["tune_cv"] = _cross_validated_quality(locales[lang].router, lang)
        print(f"{lang}: routed {figures['messages']} messages, p99 {figures['p99_us']} µs")
        result[lang] = figures
    print(json.dumps(result))
