"""Benchmarks: `python -m bench routing | misses | reminders | zones | throughput | stop | diary`
(and `same_routes OUT`, which writes every evaluation message's route, to show a change to
the router changes none).
Last line: one JSON object."""

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
    zone_search = sub.add_parser("zones", help="time-zone search and request parsing times")
    zone_search.add_argument("--rounds", type=int, default=20)
    throughput = sub.add_parser("throughput", help="full bot vs echo bot under load")
    throughput.add_argument("--users", type=int, default=100)
    throughput.add_argument("--seconds", type=float, default=10.0)
    throughput.add_argument("--rate", type=float, default=200.0)
    throughput.add_argument(
        "--only", choices=("full", "echo", "echo-stock", "echo-rich"), help=argparse.SUPPRESS
    )
    throughput.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    stop = sub.add_parser("stop", help="time from SIGTERM to exit during a reminder fan-out")
    stop.add_argument("--users", type=int, default=600)
    stop.add_argument("--rate", type=float, default=20.0)
    stop.add_argument("--runs", type=int, default=3)
    miss = sub.add_parser("misses", help="the tuning half's misses of a language, by kind")
    miss.add_argument("lang")
    miss.add_argument("--examples", type=int, default=3)
    cjk = sub.add_parser("cjk", help="Chinese routing: characters, pairs or jieba (tuning half)")
    cjk.set_defaults(run=lambda _: _cjk())
    splitter = sub.add_parser("split", help="split a language's labelled messages into halves")
    splitter.add_argument("source")
    splitter.add_argument("lang")
    diary = sub.add_parser("diary", help="diary chart, loop stalls, /diary end to end, export")
    diary.add_argument("--entries", type=int, default=1000)
    diary.add_argument("--renders", type=int, default=100)
    diary.add_argument("--rounds", type=int, default=50)
    same = sub.add_parser("same_routes", help="write every evaluation message's route to OUT")
    same.add_argument("out")
    same.set_defaults(run=lambda a: _same_routes(a.out))
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is not None:  # the commands with a function of their own
        code: int = args.run(args)
        return code
    if args.name == "misses":
        from bench.misses import run as run_misses

        run_misses(args.lang, args.examples)
        return 0
    if args.name == "split":
        from pathlib import Path

        from bench.split import split

        tune, holdout = split(Path(args.source), args.lang)
        print(f"{args.lang}: {tune} tuning lines, {holdout} held out")
        return 0
    if args.name == "routing":
        from bench.routing import run

        run(rounds=args.rounds)
    elif args.name == "reminders":
        from bench.reminders import run as run_reminders

        run_reminders(args.users, args.chunk, args.lanes)
    elif args.name == "zones":
        from bench.zones import run as run_zones

        run_zones(args.rounds)
    elif args.name == "stop":
        from bench.stop import run as run_stop

        run_stop(args.users, args.rate, args.runs)
    elif args.name == "diary":
        from bench.diary import run as run_diary

        run_diary(args.entries, args.renders, args.rounds)
    elif args.name == "throughput":
        from bench import throughput as bench_throughput

        if args.load:
            import asyncio

            asyncio.run(bench_throughput.generate_load(args.users, args.seconds, args.rate))
        elif args.only:
            bench_throughput.run_one(args.only, args.users, args.seconds, args.rate)
        else:
            bench_throughput.run(args.users, args.seconds, args.rate)
    return 0


def _cjk() -> int:
    from bench.cjk import run as run_cjk

    run_cjk()
    return 0


def _same_routes(out: str) -> int:
    from pathlib import Path

    from bench.same_routes import run as run_same

    print(f"{run_same(Path(out))} routes written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
