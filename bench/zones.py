"""Time-zone search and reminder-request parsing: time per query, and the index's cost.

Queries: every place name of the held-back set and the issue's, their typos (a letter
dropped, two swapped), offsets, and words that are no place; each searched `rounds` times.
Reports the index build time and the process's peak RSS after it, p50/p99/max per search
(wall clock, and CPU time of the process, which a busy machine's other work does not
inflate), and the same for the one-message parser on both request tables.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from datetime import date
from pathlib import Path

from bot.content import load_content
from bot.reminders import phrases, zones

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CONTENT = Path(__file__).resolve().parent.parent / "content"
EXTRA = [
    "Porto", "München", "Sevilla", "nueva york", "Москва", "广州", "Saint Petersburg", "Faro",
    "Coimbra", "I live in London", "paris, france", "porto portugal", "UTC+2", "GMT-5",
    "cramp in bed", "hello", "asdfgh", "22:30", "Europe/London", "US/Eastern", "Valencia",
]  # fmt: skip


def _names() -> list[str]:
    lines = (DATA / "zone_names_holdout.tsv").read_text(encoding="utf-8").splitlines()
    names = [line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")]
    names += EXTRA
    typos = []
    for name in names:
        if len(name) > 4:
            typos.append(name[:2] + name[3:])  # a letter dropped
            typos.append(name[:1] + name[2] + name[1] + name[3:])  # two swapped
    return names + typos


def _texts(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")]


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3),
        "max_ms": round(samples[-1], 3),
    }


def run(rounds: int = 20) -> None:
    start = time.perf_counter()
    zones.warm_up()
    build_s = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queries = _names()
    samples, cpu = [], []
    for _ in range(rounds):
        for text in queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            zones.resolve_zone(text)
            cpu.append((time.process_time() - began_cpu) * 1000)
            samples.append((time.perf_counter() - began) * 1000)
    vocab = phrases.vocabulary(load_content(CONTENT, "en"))
    requests = _texts("reminder_phrases_tune.tsv") + _texts("reminder_phrases_holdout.tsv")
    parse_samples, parse_cpu = [], []
    for _ in range(rounds):
        for text in requests:
            began, began_cpu = time.perf_counter(), time.process_time()
            phrases.parse(text, vocab, date(2026, 11, 24))
            parse_cpu.append((time.process_time() - began_cpu) * 1000)
            parse_samples.append((time.perf_counter() - began) * 1000)
    result = {
        "index_build_s": round(build_s, 2),
        "peak_rss_mb_after_build": round(rss, 1),
        "zone_queries": len(queries),
        "zone_search": _percentiles(samples),
        "zone_search_cpu": _percentiles(cpu),
        "requests": len(requests),
        "request_parse": _percentiles(parse_samples),
        "request_parse_cpu": _percentiles(parse_cpu),
    }
    print(json.dumps(result))
