"""Several worker processes behind one port: a small supervisor for ``vault api`` and
``vault tokens``.

One Python process uses one core; ``--workers N`` starts N copies of the same command that all bind
the service port with SO_REUSEPORT (the kernel spreads new connections over them). The supervisor
itself serves nothing: it starts the workers, forwards SIGTERM/SIGINT to them (each drains and
shuts down gracefully, see ``infra.lifecycle``), and restarts a worker that died unexpectedly.

Metrics: every worker keeps its own Prometheus registry and serves ``/metrics``, ``/healthz`` and
``/readyz`` on its own port, the configured metrics port plus ``METRICS_PORT_STRIDE`` times the
worker's index (worker 0 on the configured port; the stride keeps clear of the neighbouring
processes' ports, e.g. the devstack's 9100-9103). A per-worker port, not prometheus_client's multiprocess mode, because the
latter needs a shared scratch directory, loses per-process gauges' meaning and cannot serve
readiness per worker; Prometheus scrapes each port as its own target. In Kubernetes the pod runs
one worker (the HorizontalPodAutoscaler scales pods) and nothing changes.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

log = logging.getLogger(__name__)

WORKER_INDEX = "VAULT_WORKER_INDEX"
METRICS_PORT_STRIDE = 10
RESTART_BACKOFF_SECONDS = 1.0
# A worker that dies this soon after its start, this many times in a row, is failing to start
# rather than crashing: stop the whole service instead of restarting it in a loop (a bad
# configuration must stay visible).
MIN_UPTIME_SECONDS = 5.0
MAX_QUICK_DEATHS = 3


@dataclass(frozen=True)
class WorkerPlan:
    count: int
    command: Sequence[str]  # the worker's argv
    workers_variable: str  # set to "1" in each worker, so a worker never supervises
    metrics_variable: str  # each worker's metrics port: base + index
    metrics_port: int


def worker_count(flag: int | None, setting: str, variable: str) -> int:
    """``--workers`` when given, else the setting (``variable``'s value: a count or ``auto``)."""
    if flag is not None:
        count = flag
    else:
        text = setting.strip()
        if text.lower() == "auto":
            return os.cpu_count() or 1
        try:
            count = int(text)
        except ValueError:
            raise ValueError(
                f"{variable} must be a positive integer or 'auto', not {text!r}"
            ) from None
    if count < 1:
        raise ValueError(f"the worker count must be at least 1, not {count}")
    return count


def _start(plan: WorkerPlan, index: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        plan.workers_variable: "1",
        plan.metrics_variable: str(plan.metrics_port + METRICS_PORT_STRIDE * index),
        WORKER_INDEX: str(index),
    }
    return subprocess.Popen(list(plan.command), env=env)  # noqa: S603 - our own argv


def supervise(plan: WorkerPlan, grace_seconds: float = 30.0) -> int:
    """Run ``plan.count`` workers until SIGTERM/SIGINT; returns the exit status."""
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    workers = {i: _start(plan, i) for i in range(plan.count)}
    started = dict.fromkeys(workers, time.monotonic())
    quick_deaths = dict.fromkeys(workers, 0)
    log.info(
        "workers started", extra={"workers": plan.count, "pids": [w.pid for w in workers.values()]}
    )
    status = 0
    try:
        while not stopping.wait(0.5):
            for index, worker in list(workers.items()):
                code = worker.poll()
                if code is None:
                    continue
                uptime = time.monotonic() - started[index]
                log.error(
                    "worker exited",
                    extra={"worker": index, "pid": worker.pid, "exit_code": code},
                )
                quick_deaths[index] = quick_deaths[index] + 1 if uptime < MIN_UPTIME_SECONDS else 0
                if quick_deaths[index] >= MAX_QUICK_DEATHS:
                    status = code or 1
                    stopping.set()
                    break
                time.sleep(RESTART_BACKOFF_SECONDS)
                workers[index] = _start(plan, index)
                started[index] = time.monotonic()
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for worker in workers.values():
            try:
                worker.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status


def worker_argv(command: str) -> list[str]:
    """The argv a worker of ``vault COMMAND`` runs: the same interpreter, one worker."""
    return [sys.executable, "-m", "service", command]
