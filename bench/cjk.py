"""Chinese routing: a run of Han characters as characters, as characters and pairs, or cut by
jieba (if installed: it is not a dependency, and `enable_paddle` is never called). Measured on
the Chinese tuning half only: the choice is made there, never on the held-out half."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from bench.routing import halves, load_cases, quality
from bot.config import PROJECT_ROOT
from bot.content import load_content
from bot.language import Analyzer
from bot.services import Locale


def _jieba() -> Callable[[str], list[str]] | None:
    try:
        import jieba  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    jieba.setLogLevel(60)
    cut: Callable[[str], list[str]] = jieba.lcut
    return cut


def run() -> None:
    content = load_content(PROJECT_ROOT / "content", "zh")
    cases = load_cases(halves("zh")["tune"])
    modes: dict[str, Analyzer] = {
        "chars": Analyzer("zh", cjk="chars"),
        "ngrams": Analyzer("zh", cjk="ngrams"),
    }
    cut = _jieba()
    if cut is not None:
        modes["jieba"] = Analyzer("zh", cut=cut)
    result: dict[str, object] = {"benchmark": "cjk", "lines": len(cases)}
    for name, analyzer in modes.items():
        start = time.perf_counter()
        router = Locale.build(content, analyzer).router
        built = time.perf_counter() - start
        figures = quality(router, cases)
        start = time.perf_counter()
        for case in cases:
            router.route(case.text)
        per_message = (time.perf_counter() - start) / len(cases) * 1e6
        result[name] = {
            "accuracy": figures["accuracy"],
            "off_topic_kept": figures["off_topic_kept"],
            "build_s": round(built, 2),
            "mean_us": round(per_message, 1),
        }
        print(f"{name}: accuracy {figures['accuracy']}, build {built:.2f} s")
    print(json.dumps(result))
