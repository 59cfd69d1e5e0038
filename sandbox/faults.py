"""Switchable failures for the fake Bot API: one-shot faults and steady random rates."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["Fault", "FaultInjector", "FaultKind"]

# slow: wait `delay`, then handle the call. late: handle the call, then hold the answer for
# `delay` (the request did reach Telegram; a client that times out cannot know).
# badbytes: a 502 whose body is not UTF-8. html200: a 200 whose body is an HTML page.
# 429junk: a 429 whose retry_after is not a number. badjson: a 200 whose JSON is cut off.
FaultKind = Literal[
    "429",
    "403",
    "500",
    "502",
    "slow",
    "drop",
    "late",
    "badbytes",
    "html200",
    "429junk",
    "badjson",
]
_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    retry_after: int = 1
    delay: float = 0.0


@dataclass(slots=True)
class _Rule:
    fault: Fault
    method: str | None  # lower-cased; Telegram method names are case-insensitive
    chat_id: int | None
    remaining: int | None  # None: a rate rule, never used up
    probability: float = 1.0
    rng: random.Random | None = None

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            # An unfiltered fault on getUpdates would stall every test's polling loop.
            if method == "getupdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


class FaultInjector:
    """Decides, per API call, whether to misbehave; rules are tried in the order added."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self.injected: Counter[str] = Counter()

    def add(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Fail the next ``times`` matching calls with ``kind``."""
        _check_kind(kind)
        if times < 1:
            raise ValueError("times must be at least 1")
        self._rules.append(
            _Rule(
                fault=Fault(kind, retry_after=retry_after, delay=delay),
                method=method.lower() if method else None,
                chat_id=chat_id,
                remaining=times,
            )
        )

    def set_rate(
        self,
        kind: FaultKind,
        probability: float,
        *,
        method: str | None = None,
        seed: int = 0,
        retry_after: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Fail a steady, seeded-random share of matching calls; replaces an earlier rate
        for the same kind and method, and probability 0 removes it."""
        _check_kind(kind)
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        key = method.lower() if method else None
        self._rules = [
            r
            for r in self._rules
            if not (r.remaining is None and r.fault.kind == kind and r.method == key)
        ]
        if probability > 0:
            self._rules.append(
                _Rule(
                    fault=Fault(kind, retry_after=retry_after, delay=delay),
                    method=key,
                    chat_id=None,
                    remaining=None,
                    probability=probability,
                    rng=random.Random(seed),
                )
            )

    def clear(self) -> None:
        self._rules.clear()

    def pick(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault to inject into this call, if any (``method`` lower-cased)."""
        if not self._rules:
            return None
        for rule in self._rules:
            if not rule.matches(method, chat_id):
                continue
            if rule.remaining is None:
                assert rule.rng is not None
                if rule.rng.random() >= rule.probability:
                    continue
            else:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
            self.injected[rule.fault.kind] += 1
            return rule.fault
        return None


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(_KINDS)}")
