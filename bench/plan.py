"""The bench's plan, the shape of a result entry, and PostgreSQL durability switching."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.driver import Measured

WORKLOADS = ("addcard", "get", "resolve", "append", "relay", "projection")
BASELINES = {
    "addcard": "raw asyncpg: INSERT event row + card-view row, one transaction",
    "get_profile": "raw asyncpg: the view's three SELECTs on one connection",
    "resolve": "raw asyncpg SELECT of the instrument row + AES-GCM opens (no auth, audit or tx)",
    "append": "raw asyncpg INSERT … SELECT unnest of the same rows (no version check)",
    "relay_latency": "aiokafka producer at the same rate: send → ack (idempotent, acks=all)",
    "relay_throughput": "aiokafka producer, same records, same 500-record batches",
    "projection_lag": "bare aiokafka consumer on the same topic: receipt - recorded_at",
    "rebuild": "raw SELECT of the same events in commit order, 2,000 per batch",
}


@dataclass
class Plan:
    duration: float = 8.0
    concurrency: list[int] = field(default_factory=lambda: [1, 8, 32, 64])
    workloads: list[str] = field(default_factory=lambda: list(WORKLOADS))
    quick: bool = False
    out: Path = Path("docs/benchmarks")
    warmup: float = 1.0
    profiles: int = 600  # AddCard spreads its cards over these
    pipeline_rate: float = 1000.0  # events/s appended while relay and projector are measured
    drain_events: int = 50_000
    rebuild_views: tuple[str, ...] = ("customer-search", "profile-view")
    durable: bool = False  # then the write workloads again with fsync and synchronous_commit on
    py_spy: Path | None = None  # record the API and token service during the busiest AddCard
    command: str = "python -m bench"

    @classmethod
    def quick_plan(cls, out: Path) -> Plan:
        return cls(
            duration=2.0,
            concurrency=[1, 8],
            quick=True,
            out=out,
            warmup=0.5,
            profiles=60,
            pipeline_rate=200.0,
            drain_events=2_000,
            rebuild_views=("customer-search",),
            command="python -m bench --quick",
        )


def entry(
    workload: str,
    concurrency: int | None,
    result: Measured,
    baseline: Measured,
    baseline_name: str,
    **extra: Any,
) -> dict[str, Any]:
    r, b = result.as_dict(), baseline.as_dict()
    ratio = {
        "throughput": round(r["throughput"] / b["throughput"], 3) if b["throughput"] else None,
        "p99": round(r["latency_ms"]["p99"] / b["latency_ms"]["p99"], 3)
        if b["latency_ms"]["p99"]
        else None,
    }
    return {
        "workload": workload,
        "concurrency": concurrency,
        "result": r,
        "baseline": {**b, "name": baseline_name},
        "ratio": ratio,
        **extra,
    }


DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")


async def durability(pool: asyncpg.Pool) -> dict[str, str]:
    return {name: str(await pool.fetchval(f"SHOW {name}")) for name in DURABILITY}


async def set_durability(pool: asyncpg.Pool, on: bool) -> None:
    """All three are reloadable (sighup) settings: no restart, same server, same data."""
    for name in DURABILITY:
        await pool.execute(f"ALTER SYSTEM SET {name} = {'on' if on else 'off'}")
    await pool.execute("SELECT pg_reload_conf()")
    await asyncio.sleep(0.5)  # the reload reaches every backend at its next command


def measured_from(
    result: dict[str, Any], events: int, seconds: float, key: str = "histogram"
) -> Measured:
    from bench.hist import Recorder, decode

    rec = Recorder()
    if result.get(key):
        rec.histogram.add(decode(result[key]))
    return Measured(rec, seconds, {}, int(events), "events")
