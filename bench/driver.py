"""Closed-loop load: N workers issuing operations back to back; progress lines on stderr."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.hist import Recorder, encode, summary

# Called with the worker's index; raises on failure; may return how many units (e.g. events) it did.
Op = Callable[[int], Awaitable[int | None]]


@dataclass
class Measured:
    recorder: Recorder
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process in the window
    units: int | None = None  # e.g. events, when an operation does several
    unit: str = "ops"

    @property
    def throughput(self) -> float:
        done = self.recorder.count if self.units is None else self.units
        return done / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        ops = self.recorder.count if self.units is None else self.units
        return {
            "ops": ops,
            "unit": self.unit,
            "seconds": round(self.seconds, 3),
            "throughput": round(self.throughput, 1),
            "latency_ms": summary(self.recorder.histogram),
            "errors": self.recorder.errors,
            "error_samples": self.recorder.error_samples,
            "cpu_ms_per_op": {k: round(1000 * v / ops, 3) for k, v in self.cpu.items()}
            if ops
            else {},
            "cpu_utilisation": {k: round(v / self.seconds, 3) for k, v in self.cpu.items()}
            if self.seconds
            else {},
            "histogram": encode(self.recorder.histogram),
        }


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: max(0.0, after.get(k, 0.0) - v) for k, v in before.items()}


async def closed_loop(
    op: Op,
    concurrency: int,
    duration: float,
    *,
    warmup: float = 1.0,
    cpu: Callable[[], dict[str, float]] | None = None,
    unit: str = "ops",
) -> Measured:
    """Run ``concurrency`` workers for ``warmup + duration`` seconds; operations that complete
    inside the measured window are recorded (latency from their own start)."""
    recorder = Recorder()
    loop_start = time.perf_counter()
    window_start = loop_start + warmup
    window_end = window_start + duration
    snapshots: dict[str, dict[str, float]] = {}
    units = 0

    async def snap(at: float, name: str) -> None:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        if cpu is not None:
            snapshots[name] = cpu()

    async def worker(index: int) -> None:
        nonlocal units
        while (started := time.perf_counter()) < window_end:
            try:
                done = await op(index)
            except Exception as exc:
                if window_start <= time.perf_counter() <= window_end:
                    recorder.error(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.01)  # a failing target must not become a busy loop
                continue
            finished = time.perf_counter()
            if window_start <= finished <= window_end:
                recorder.record(finished - started)
                units += 1 if done is None else done

    await asyncio.gather(
        snap(window_start, "start"),
        snap(window_end, "end"),
        *(worker(i) for i in range(concurrency)),
    )
    used = cpu_delta(snapshots["start"], snapshots["end"]) if cpu is not None else {}
    return Measured(recorder, duration, used, units if unit != "ops" else None, unit)


class Progress:
    """One line per step on stderr: what runs now, then what it measured."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()

    def log(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def step(self, name: str) -> None:
        self.done += 1
        self.log(f"step {self.done}/{self.total}: {name} …")

    def result(self, measured: dict[str, Any]) -> None:
        lat = measured.get("latency_ms", {})
        self.log(
            f"    {measured.get('throughput', 0):,.1f} {measured.get('unit', 'ops')}/s  "
            f"p50 {lat.get('p50', 0):.2f}  p99 {lat.get('p99', 0):.2f}  max {lat.get('max', 0):.2f} ms"
            + (f"  errors {measured['errors']}" if measured.get("errors") else "")
        )
