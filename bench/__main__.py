"""Benchmarks: `python -m bench routing | reminders | throughput`. Last line: one JSON object."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="name", required=True)
    routing = sub.add_parser("routing", help="routing time per message")
    routing.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    if args.name == "routing":
        from bench.routing import run

        run(rounds=args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
