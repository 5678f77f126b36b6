"""``python -m bench``: options, and the run on a freshly started local stack."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.runner import Plan

WORKLOAD_CHOICES = ("addcard", "get", "resolve", "append", "relay", "projection")


def _ints(text: str) -> list[int]:
    try:
        values = sorted({int(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of integers") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("concurrency levels are positive integers")
    return values


def _workloads(text: str) -> list[str]:
    chosen = [w.strip() for w in text.split(",") if w.strip()]
    unknown = set(chosen) - set(WORKLOAD_CHOICES)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(WORKLOAD_CHOICES)}")
    return chosen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, help="measured seconds per step (default 8)")
    parser.add_argument("--concurrency", type=_ints, help="client counts (default 1,8,32,64)")
    parser.add_argument(
        "--workloads", type=_workloads, help=f"subset of {','.join(WORKLOAD_CHOICES)} (default all)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a few seconds a step, 1 and 8 clients"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("docs/benchmarks"), help="results directory"
    )
    parser.add_argument(
        "--rate", type=float, help="events/s appended while the relay and projector are measured"
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="then AddCard and append again with fsync, synchronous_commit, full_page_writes on",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="record py-spy profiles of the API and token service during the busiest AddCard step",
    )


def plan_from(args: argparse.Namespace) -> Plan:
    from bench.runner import Plan

    plan = Plan.quick_plan(args.out) if args.quick else Plan(out=args.out)
    if args.duration:
        plan.duration = args.duration
    if args.concurrency:
        plan.concurrency = args.concurrency
    if args.workloads:
        plan.workloads = args.workloads
    if args.rate:
        plan.pipeline_rate = args.rate
    plan.py_spy = args.py_spy
    plan.durable = args.durable
    plan.command = (
        "python -m bench " + " ".join(sys.argv[1:]) if len(sys.argv) > 1 else "python -m bench"
    )
    return plan


async def run(args: argparse.Namespace) -> int:
    from bench import report, runner
    from bench.stack import start_local

    plan = plan_from(args)
    # The processes' JSON log lines would bury the table on stdout; warnings still show.
    logging.getLogger().setLevel(logging.WARNING)

    def log(line: str) -> None:
        print(f"[bench] {line}", file=sys.stderr, flush=True)

    async with start_local(log) as target:
        results = await runner.run(plan, target)
    print(report.table(results))
    print(f"\nresults: {plan.out / 'results.json'}, plots and README in {plan.out}")
    return 0
