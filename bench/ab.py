"""``python -m bench.ab --base DIR``: the vault API's CPU per request, this tree against another.

On a shared machine CPU per operation drifts with everyone else's load, so two bench runs minutes
apart do not compare. This starts the bench's stack once, then two more ``vault api`` processes of
one worker each beside each other on it: one from ``--base`` (a checkout of the code to compare
with, e.g. ``git archive REV | tar -x -C DIR``) and one from this tree. wrk drives them in short
bursts, alternating, and each burst's CPU per request is read from ``/proc``: both sides see the
same load. The stack's own API is left out: it served the set-up traffic and measures dearer
(docs/scaling.md). Needs wrk on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg

from bench.api_load import HttpLoad
from bench.loadgen import _wrk, parse_wrk
from bench.stack import REPO, Target, _cpu_of, _wait_ready, free_port, start_local

CONNECTIONS = {"get": 32, "addcard": 16}


async def _api(target: Target, tree: Path, log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port, ops_port = free_port(), free_port()
    env = {
        **target.env,
        "PYTHONPATH": str(tree),
        "VAULT_API_PORT": str(port),
        "VAULT_METRICS_PORT": str(ops_port),
        "VAULT_API_WORKERS": "1",
    }
    with log.open("ab") as handle:
        # Popen only forks; the API runs beside us until the comparison ends.
        api = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "service", "api"],
            env=env,
            cwd=tree,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    await _wait_ready(f"http://127.0.0.1:{ops_port}/readyz", log, api)
    return f"http://127.0.0.1:{port}", api


async def compare(
    target: Target, trees: dict[str, Path], workloads: list[str], rounds: int, seconds: float
) -> dict[str, dict[str, list[float]]]:
    """µs of API CPU per request, per workload and side, one figure per burst."""
    apis = {
        side: await _api(target, tree, target.work_dir / f"ab-{side}.log")
        for side, tree in trees.items()
    }
    pool = await asyncpg.create_pool(target.database_url, min_size=2, max_size=40)
    assert pool is not None
    results: dict[str, dict[str, list[float]]] = {w: {s: [] for s in trees} for w in workloads}
    try:
        async with HttpLoad(target, pool, 32) as http:
            await http.create_profiles(200)
            await http._fan_out(400, http.add_card)
            await http.add_addresses(200)
            http.get_profiles = list(http.profiles)
            with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
                for workload in workloads:
                    spec = http.spec(workload)
                    for turn in range(rounds):
                        order = list(trees) if turn % 2 == 0 else list(reversed(trees))
                        for side in order:
                            url, api = apis[side]
                            before = _cpu_of(api.pid)
                            out = await _wrk(
                                dataclasses.replace(spec, base_url=url),
                                CONNECTIONS[workload],
                                seconds,
                                Path(tmp),
                            )
                            used = _cpu_of(api.pid) - before
                            _, requests, _ = parse_wrk(out)
                            results[workload][side].append(used / max(1, requests) * 1e6)
    finally:
        await pool.close()
        for _, api in apis.values():
            api.terminate()
            api.wait(timeout=30)
    return results


async def main(args: argparse.Namespace) -> int:
    trees = {"base": args.base.resolve(), "this": REPO}
    async with start_local(lambda line: print(f"[bench] {line}", file=sys.stderr)) as target:
        results = await compare(target, trees, args.workloads.split(","), args.rounds, args.seconds)
    for workload, sides in results.items():
        for side, figures in sides.items():
            listed = ", ".join(f"{f:.0f}" for f in figures)
            print(
                f"{workload:8} {side:5} API CPU µs/request: median {statistics.median(figures):6.0f}"
                f"  min {min(figures):6.0f}  ({listed})"
            )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("--base", type=Path, required=True, help="checkout of the code to compare")
    parser.add_argument("--workloads", default="get,addcard", help="get and/or addcard")
    parser.add_argument("--rounds", type=int, default=5, help="bursts per side and workload")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a burst")
    sys.exit(asyncio.run(main(parser.parse_args())))
