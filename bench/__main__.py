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
    reminders = sub.add_parser("reminders", help="reminder fan-out to the local server")
    reminders.add_argument("--users", type=int, default=10_000)
    reminders.add_argument("--chunk", type=int, default=16)
    reminders.add_argument("--lanes", type=int, default=4)
    args = parser.parse_args(argv)
    if args.name == "routing":
        from bench.routing import run

        run(rounds=args.rounds)
    elif args.name == "reminders":
        from bench.reminders import run as run_reminders

        run_reminders(args.users, args.chunk, args.lanes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
