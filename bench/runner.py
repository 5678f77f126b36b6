"""The bench's plan and its run: every workload beside its baseline, in one invocation."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg

from bench import report
from bench.api_load import CARDS_PER_PROFILE, HttpLoad
from bench.driver import Measured, Op, Progress, closed_loop
from bench.loadgen import GENERATOR_BOUND_WARNING, LoadSpec, drive, generator
from bench.peer import NAME as PEER_NAME
from bench.peer import EventsourcingPeer
from bench.plan import BASELINES, Plan, durability, entry, measured_from, set_durability
from bench.stack import Target, cpu_snapshot
from bench.store_load import Appender, drain, pipeline, rebuild_view, timed_cpu


class Bench:
    def __init__(self, plan: Plan, target: Target) -> None:
        self.plan = plan
        self.target = target
        self.entries: list[dict[str, Any]] = []
        self.pool: asyncpg.Pool | None = None
        self.extra: dict[str, Any] = {}
        chosen = set(plan.workloads)
        levels = len(plan.concurrency)
        total = sum(2 * levels for w in ("addcard", "get", "resolve", "append") if w in chosen)
        total += levels * ("append" in chosen)  # the eventsourcing peer
        total += 2 * plan.durable * (("addcard" in chosen) + ("append" in chosen))
        total += 2 * ("relay" in chosen) + ("relay" in chosen or "projection" in chosen)
        total += len(plan.rebuild_views) * ("projection" in chosen)
        self.progress = Progress(total)

    def cpu(self) -> dict[str, float]:
        return cpu_snapshot(self.target)

    async def _refresh_backends(self) -> None:
        """PostgreSQL backends of this database (when the postmaster is not ours to walk)."""
        if self.pool is None or "postgres-server" in self.target.pids:
            return
        rows = await self.pool.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
        self.target.backend_pids = {r["pid"] for r in rows}

    async def _pair(
        self,
        workload: str,
        baseline_name: str,
        concurrency: int,
        op: Op | LoadSpec,
        raw: Op,
        unit: str = "ops",
        profile: bool = False,
        peer: tuple[str, Op] | None = None,
    ) -> None:
        p = self.plan
        self.progress.step(f"{workload} c={concurrency}")
        await self._refresh_backends()
        with self._py_spy(workload, concurrency) if profile else contextlib.nullcontext():
            if isinstance(op, LoadSpec):
                result = await drive(
                    op, concurrency, p.duration, warmup=max(1.0, p.warmup), cpu=self.cpu
                )
            else:
                result = await closed_loop(
                    op, concurrency, p.duration, warmup=p.warmup, cpu=self.cpu, unit=unit
                )
        self.progress.result(result.as_dict())
        self.progress.step(f"{workload} c={concurrency} baseline ({baseline_name.split(':')[0]})")
        baseline = await closed_loop(
            raw, concurrency, p.duration, warmup=p.warmup, cpu=self.cpu, unit=unit
        )
        self.progress.result(baseline.as_dict())
        e = entry(workload, concurrency, result, baseline, baseline_name)
        if peer is not None:
            self.progress.step(f"{workload} c={concurrency} peer ({peer[0].split(' ')[0]})")
            await self._refresh_backends()
            other = await closed_loop(
                peer[1], concurrency, p.duration, warmup=p.warmup, cpu=self.cpu, unit=unit
            )
            self.progress.result(other.as_dict())
            e["peer"] = {**other.as_dict(), "name": peer[0]}
            e["ratio"]["peer_throughput"] = (
                round(result.throughput / other.throughput, 3) if other.throughput else None
            )
        self.entries.append(e)

    @contextlib.contextmanager
    def _py_spy(
        self, workload: str, concurrency: int | None, names: tuple[str, ...] = ("api", "tokens")
    ) -> Any:
        out_dir, spy = self.plan.py_spy, shutil.which("py-spy")
        spy = spy or str(Path(sys.executable).with_name("py-spy"))
        if out_dir is None or not Path(spy).exists():
            yield
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        seconds = str(int(self.plan.warmup + self.plan.duration))
        pids = {**self.target.pids, "bench": os.getpid()}
        runs = []
        for name in names:
            if name in pids:
                level = f"-c{concurrency}" if concurrency else ""
                path = out_dir / f"py-spy-{workload}{level}-{name}.txt"
                runs.append(
                    subprocess.Popen(
                        [
                            spy,
                            "record",
                            "--pid",
                            str(pids[name]),
                            "--duration",
                            seconds,
                            "--rate",
                            "250",
                            "--nonblocking",
                            # `vault api`/`vault tokens` with workers are supervisors that wait
                            # while their forked workers serve: profile the workers too.
                            "--subprocesses",
                            "--format",
                            "raw",
                            "-o",
                            str(path),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
        try:
            yield
        finally:
            for run in runs:
                run.wait(timeout=60)
            self.progress.log(f"    py-spy profiles in {out_dir}")

    async def run(self) -> dict[str, Any]:
        p, chosen = self.plan, set(self.plan.workloads)
        pool = await asyncpg.create_pool(
            self.target.database_url, min_size=2, max_size=max(p.concurrency) + 4
        )
        self.pool = pool
        started = time.time()
        self.extra["machine"] = {
            "postgres": await pool.fetchval("SHOW server_version"),
            "postgres_durability": await durability(pool),
            "workers": os.environ.get("VAULT_API_WORKERS", str(os.cpu_count() or 1)),
        }
        self.extra["load_generator"] = generator()
        if generator() != "wrk":
            self.progress.log(f"WARNING: {GENERATOR_BOUND_WARNING}")
        try:
            async with HttpLoad(self.target, pool, max(p.concurrency)) as http:
                if chosen & {"addcard", "get", "resolve"}:
                    await self._http(http, chosen)
                if p.durable and "addcard" in chosen:
                    await self._durable(pool, http, None)
            if chosen & {"append", "relay", "projection"}:
                await self._store(pool, chosen)
            self.progress.log("writing results")
            return report.document(self.plan, self.entries, self.extra, started)
        finally:
            with contextlib.suppress(Exception):
                await pool.execute("DROP SCHEMA IF EXISTS bench CASCADE")
            await pool.close()

    async def _http(self, http: HttpLoad, chosen: set[str]) -> None:
        p = self.plan
        self.progress.log(f"setting up: {p.profiles} profiles over HTTP")
        await http.create_profiles(p.profiles)
        if "addcard" not in chosen:  # GET and resolve need cards (and their tokens) to read
            await http._fan_out(min(p.profiles * 3, 3000), http.add_card)
        await http.add_card(0)
        await http.load_sample()
        if "addcard" in chosen:
            for c in p.concurrency:
                await self._pair(
                    "addcard",
                    BASELINES["addcard"],
                    c,
                    http.spec("addcard"),
                    http.raw_add_card,
                    profile=c == max(p.concurrency),
                )
            await http.load_tokens()
            per_profile = len(http.tokens) / max(1, len(http.profiles))
            self.extra["addcard_cards_per_profile"] = round(per_profile, 2)
            if per_profile > CARDS_PER_PROFILE * 3:
                self.progress.log("    note: profiles got long histories; raise --profiles")
        if "get" in chosen:
            await http.add_addresses(min(200, len(http.profiles)))
            for c in p.concurrency:
                await self._pair(
                    "get_profile",
                    BASELINES["get_profile"],
                    c,
                    http.spec("get"),
                    http.raw_get_profile,
                    profile=c == max(p.concurrency),
                )
        if "resolve" in chosen:
            await http.load_tokens()
            for c in p.concurrency:
                await self._pair(
                    "resolve",
                    BASELINES["resolve"],
                    c,
                    http.spec("resolve"),
                    http.raw_resolve,
                    profile=c == max(p.concurrency),
                )

    async def _durable(
        self, pool: asyncpg.Pool, http: HttpLoad | None, appender: Appender | None
    ) -> None:
        """The write workloads once more with production durability (fsync, synchronous_commit,
        full_page_writes on), switched at run time on the bench's own PostgreSQL, then back."""
        c = max(self.plan.concurrency)
        if "postgres-server" not in self.target.pids:
            self.progress.log("    --durable skipped: the PostgreSQL server is not the bench's own")
            return
        await set_durability(pool, True)
        self.progress.log(f"    durability now {await durability(pool)}")
        try:
            if http is not None:
                await self._pair(
                    "addcard_durable", BASELINES["addcard"], c, http.spec("addcard"),
                    http.raw_add_card,
                )  # fmt: skip
            if appender is not None:
                await self._pair(
                    "append_durable", BASELINES["append"], c, appender.append,
                    appender.raw_append, unit="events",
                )  # fmt: skip
        finally:
            await set_durability(pool, False)

    async def _store(self, pool: asyncpg.Pool, chosen: set[str]) -> None:
        p = self.plan
        if self.target.stop_pipeline is not None:
            # The append workload measures the store, as its baseline and its peer do; the relay
            # and projector steps run their own instrumented copies.
            self.progress.log("stopping the stack's relay and projector (the bench runs its own)")
            await asyncio.to_thread(self.target.stop_pipeline)
        appender = Appender(self.target, pool)
        await appender.prepare(max(p.concurrency))
        if "append" in chosen:
            es = EventsourcingPeer(appender, max(p.concurrency))
            await es.prepare()
            try:
                for c in p.concurrency:
                    await self._pair(
                        "append",
                        BASELINES["append"],
                        c,
                        appender.append,
                        appender.raw_append,
                        unit="events",
                        peer=(PEER_NAME, es.append),
                    )
            finally:
                await asyncio.to_thread(es.close)
            if p.durable:
                await self._durable(pool, None, appender)
        if chosen & {"relay", "projection"}:
            self.progress.step("relay + projector under sustained appends")
            live, cpu = await timed_cpu(
                self.cpu,
                lambda: pipeline(
                    self.target,
                    appender,
                    rate=p.pipeline_rate,
                    duration=p.duration,
                    log=self.progress.log,
                ),
            )
            m = live.pop("measured")
            if "relay" in chosen:
                await self._relay(pool, m["relay"])
            if "projection" in chosen:
                e = entry(
                    "projection_lag",
                    None,
                    m["projection"],
                    m["consume"],
                    BASELINES["projection_lag"],
                    rate=p.pipeline_rate,
                )
                self.progress.result(e["result"])
                self.entries.append(e)
                self.extra["projection_series"] = {
                    "projector": live["projection"]["series"],
                    "consumer": live["consume"]["series"],
                    "relay": live["relay"]["series"],
                }
                self.extra["pipeline_cpu_seconds"] = {
                    **{k: round(v, 3) for k, v in cpu.items()},
                    **{
                        f"probe-{k}": live[k]["cpu_seconds"]
                        for k in ("relay", "projection", "consume")
                    },
                }
                for view in p.rebuild_views:
                    await self._rebuild(pool, view)

    async def _relay(self, pool: asyncpg.Pool, live: Measured) -> None:
        p = self.plan
        # Latency: the live window (append → Kafka ack) beside direct produce at the same rate.
        self.progress.step(f"relay backlog of up to {p.drain_events:,} events, then direct produce")
        drained = await drain(
            self.target, pool, events=p.drain_events, rate=p.pipeline_rate, duration=p.duration
        )
        produce = drained["produce"]
        paced = measured_from(produce, produce["paced_events"], produce["paced_seconds"])
        e = entry(
            "relay_latency", None, live, paced, BASELINES["relay_latency"], rate=p.pipeline_rate
        )
        self.progress.result(e["result"])
        self.entries.append(e)
        relay = drained["relay"]
        thr = entry(
            "relay_throughput",
            None,
            measured_from(relay, relay["events"], relay["seconds"], "batch_histogram"),
            measured_from(produce, produce["events"], produce["seconds"], "batch_histogram"),
            BASELINES["relay_throughput"],
            backlog=drained["backlog"],
        )
        self.progress.result(thr["result"])
        self.entries.append(thr)

    async def _rebuild(self, pool: asyncpg.Pool, view: str) -> None:
        self.progress.step(f"rebuild {view} (replay) beside a raw read of the store")
        work: Callable[[], Awaitable[tuple[Measured, Measured]]] = lambda: rebuild_view(  # noqa: E731
            self.target, pool, view
        )
        with self._py_spy(f"rebuild-{view}", None, ("bench",)):
            (measured, raw), cpu = await timed_cpu(self.cpu, work)
        measured.cpu = cpu
        name = f"rebuild_{view.replace('-', '_')}"
        e = entry(name, None, measured, raw, BASELINES["rebuild"])
        self.progress.result(e["result"])
        self.entries.append(e)


async def run(plan: Plan, target: Target) -> dict[str, Any]:
    results = await Bench(plan, target).run()
    report.write(plan, results)
    return results


__all__ = ["Plan", "Target", "asdict", "run"]
