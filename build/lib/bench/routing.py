"""Routing time per message on realistic and worst-case text, up to 4,096 characters."""

from __future__ import annotations

import json
import random
import statistics
import time

from bot.config import PROJECT_ROOT, SHARED_DIR
from bot.routing import Router
from bot.services import load_locales

DEV_SET = SHARED_DIR / "eval" / "routing_dev.tsv"


def messages(seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    short = ["cramp in the pool", "why do my feet cramp at night", "hi"]
    if DEV_SET.exists():
        lines = DEV_SET.read_text(encoding="utf-8").splitlines()
        short = [line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")]
    words = " ".join(short).split()
    out = list(short)
    for length in (200, 500, 1000, 2000, 4096):
        for _ in range(10):
            text = " ".join(rng.choice(words) for _ in range(length // 4))
            out.append(text[:length])
    out.append("😀" * 2048)
    out.append("a" * 4096)
    return out


def dev_set_quality(router: Router) -> dict[str, float | int]:
    """Accuracy, safety recall and fallback share on the shared dev set."""
    if not DEV_SET.exists():
        return {}
    rows = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, accepted = line.split("\t")
            rows.append((text, set(accepted.split("|"))))
    routed = [(router.route(text).intent, ok) for text, ok in rows]
    safety = [intent for intent, ok in routed if ok == {"safety"}]
    off_topic = [intent for intent, ok in routed if ok == {"fallback"}]
    return {
        "dev_lines": len(rows),
        "dev_accuracy": round(sum(i in ok for i, ok in routed) / len(rows), 4),
        "dev_safety_recall": round(safety.count("safety") / len(safety), 4) if safety else 1.0,
        "dev_fallback_kept": (
            round(off_topic.count("fallback") / len(off_topic), 4) if off_topic else 1.0
        ),
    }


def run(rounds: int = 20) -> None:
    router = load_locales(PROJECT_ROOT / "content", "en")["en"].router
    texts = messages()
    for text in texts:  # warm-up
        router.route(text)
    timings: list[float] = []
    long_timings: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            router.route(text)
            elapsed = (time.perf_counter_ns() - start) / 1000
            timings.append(elapsed)
            if len(text) >= 2000:
                long_timings.append(elapsed)
    timings.sort()
    long_timings.sort()

    def pct(values: list[float], p: float) -> float:
        return round(values[min(len(values) - 1, int(len(values) * p))], 1)

    result = {
        "benchmark": "routing",
        "messages": len(texts) * rounds,
        "max_chars": max(len(t) for t in texts),
        "p50_us": pct(timings, 0.50),
        "p99_us": pct(timings, 0.99),
        "max_us": round(timings[-1], 1),
        "mean_us": round(statistics.fmean(timings), 1),
        "p99_us_2000_plus_chars": pct(long_timings, 0.99),
        **dev_set_quality(router),
    }
    print(f"routed {result['messages']} messages, p99 {result['p99_us']} µs")
    print(json.dumps(result))
