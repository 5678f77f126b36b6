"""Workloads on the event store and the pipeline behind it: appends, relay, projector, rebuild."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.driver import Measured
from bench.hist import Recorder, decode
from bench.stack import Target
from events.codec import EventCodec
from events.crypto import Keyring
from events.envelope import NewEvent, profile_stream
from events.personal_keys import PersonalDataKeys
from events.store import START, PostgresEventStore
from events.topics import ensure_topic
from events.types import (
    AddressAdded,
    AddressPersonal,
    Event,
    ProfileCreated,
    ProfilePersonal,
    ProfileUpdated,
)
from infra.sqlfiles import load_sql
from projections.customer_search import CUSTOMER_SEARCH
from projections.profile_view import PROFILE_VIEW
from projections.runners.decoding import EventDecoder
from projections.runners.rebuild import rebuild

STREAM_LENGTH = 60  # events per stream before a writer moves on to a new profile
TOPIC_PARTITIONS = 6
_READ_ALL = load_sql("events", "queries/read_all_in_commit_order.sql")
_RAW_APPEND = (
    "INSERT INTO bench.events (stream_id, stream_version, event_id, event_type, schema_version,"
    " data, metadata) SELECT $1, $2 + e.ordinal, e.event_id, e.event_type, e.schema_version,"
    " e.data, e.metadata FROM unnest($3::uuid[], $4::text[], $5::int2[], $6::bytea[],"
    " $7::jsonb[]) WITH ORDINALITY AS e (event_id, event_type, schema_version, data, metadata,"
    " ordinal)"
)


@dataclass
class Writer:
    profile_id: uuid.UUID
    data_key: bytes
    version: int = 0


class Appender:
    """Writers of real, decodable profile events (1-3 per transaction), each on its own stream."""

    def __init__(self, target: Target, pool: asyncpg.Pool) -> None:
        self.target = target
        self.pool = pool
        self.keys = PersonalDataKeys(Keyring.parse(target.personal_data_keks))
        self.codec = EventCodec()
        self.store = PostgresEventStore()
        self.rng = random.Random(11)  # noqa: S311 - test data, not secrets
        self.meta = {"merchantId": str(target.merchant_id), "requestId": "bench"}
        self._spare: list[tuple[uuid.UUID, bytes]] = []
        self._refill = asyncio.Lock()
        self._writers: dict[tuple[str, int], Writer] = {}

    async def _subject(self) -> tuple[uuid.UUID, bytes]:
        async with self._refill:
            if not self._spare:  # rare: 500 data keys serve 30,000 events
                async with self.pool.acquire() as conn, conn.transaction():
                    for _ in range(500):
                        pid = uuid.uuid4()
                        self._spare.append((pid, await self.keys.create(conn, pid)))
            return self._spare.pop()

    async def prepare(self, writers: int) -> None:
        while len(self._spare) < writers * 2:
            self._spare.append(await self._subject())

    async def _writer(self, lane: str, index: int) -> Writer:
        w = self._writers.get((lane, index))
        if w is None or w.version >= STREAM_LENGTH:
            w = Writer(*await self._subject())
            self._writers[(lane, index)] = w
        return w

    def _events(self, w: Writer, count: int) -> list[NewEvent]:
        events: list[Event] = []
        if w.version == 0:
            events.append(
                ProfileCreated(
                    profile_id=w.profile_id,
                    merchant_id=self.target.merchant_id,
                    payment_token=f"P{uuid.uuid4().hex[:14]}",
                    status="ACTIVE",
                    locale="en_US",
                    personal=ProfilePersonal(
                        merchant_customer_id=f"bench-{w.profile_id}",
                        first_name="Bench",
                        email="bench@example.com",
                    ),
                )
            )
        while len(events) < count:
            if self.rng.random() < 0.5:
                personal = AddressPersonal(street="1 Market St", city="SF", zip="94105")
                events.append(
                    AddressAdded(
                        address_id=uuid.uuid4(),
                        status="ACTIVE",
                        country="US",
                        default_shipping_address_indicator=False,
                        personal=personal,
                    )
                )
            else:
                personal_p = ProfilePersonal(
                    merchant_customer_id=f"bench-{w.profile_id}", first_name="Bench", phone="555"
                )
                events.append(ProfileUpdated(status="ACTIVE", locale="en_US", personal=personal_p))
        return [
            self.codec.encode(e, subject_id=w.profile_id, data_key=w.data_key, metadata=self.meta)
            for e in events
        ]

    async def append(self, index: int) -> int:
        """One transaction through ``PostgresEventStore.append``; returns its event count."""
        return len(await self.append_timed("store", index))

    async def append_timed(self, lane: str, index: int) -> list[float]:
        w = await self._writer(lane, index)
        batch = self._events(w, self.rng.randint(1, 3))
        async with self.pool.acquire() as conn, conn.transaction():
            appended = await self.store.append(conn, profile_stream(w.profile_id), w.version, batch)
        w.version += len(batch)
        return [recorded_at.timestamp() for _, recorded_at in appended]

    async def raw_append(self, index: int) -> int:
        """Baseline: the same rows, a plain INSERT into a scratch copy of vault.events."""
        w = await self._writer("raw", index)
        batch = self._events(w, self.rng.randint(1, 3))
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _RAW_APPEND,
                profile_stream(w.profile_id),
                w.version,
                [e.event_id for e in batch],
                [e.event_type for e in batch],
                [e.schema_version for e in batch],
                [e.data for e in batch],
                [json.dumps(e.metadata) for e in batch],
            )
        w.version += len(batch)
        return len(batch)


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


class Probe:
    """A ``bench.probe`` subprocess (see that module for the protocol)."""

    def __init__(self, target: Target, mode: str, cfg: dict[str, Any]) -> None:
        self.target, self.mode, self.cfg = target, mode, cfg
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Probe:
        cfg = {"database_url": self.target.database_url, "kafka": self.target.kafka, **self.cfg}
        log = (self.target.work_dir / f"probe-{self.mode}.log").open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.probe",
            self.mode,
            env={**self.target.env, "VAULT_BENCH_PROBE": json.dumps(cfg)},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        log.close()
        return self

    async def _line(self, prefix: str, seconds: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        async with asyncio.timeout(seconds):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    log = self.target.work_dir / f"probe-{self.mode}.log"
                    raise RuntimeError(f"probe {self.mode} exited:\n{_tail(log)}")
                if line.startswith(prefix):
                    return line[len(prefix) :].strip()

    async def ready(self, seconds: float = 60) -> None:
        await self._line("READY", seconds)

    async def result(self, stop: str | None = None, seconds: float = 330) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        if stop is not None:
            self.proc.stdin.write(stop.encode() + b"\n")
            await self.proc.stdin.drain()
        out: dict[str, Any] = json.loads(await self._line("RESULT", seconds))
        await self.proc.wait()
        return out

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


async def _checkpoint_at(pool: asyncpg.Pool, name: str, backlog: int | None) -> tuple[int, int]:
    """A relay checkpoint ``backlog`` events before the end of the store (None: at the end)."""
    row = await pool.fetchrow(
        "SELECT tx_id::text::bigint AS tx, global_position AS pos FROM vault.events"
        " ORDER BY tx_id DESC, global_position DESC OFFSET $1 LIMIT 1",
        backlog or 0,
    )
    position = START if row is None else (int(row["tx"]), int(row["pos"]))
    await pool.execute(
        "INSERT INTO vault.relay_checkpoints (relay_name, tx_id, global_position)"
        " VALUES ($1, $2, $3)",
        name,
        *position,
    )
    return position


def _rate_of(result: dict[str, Any], key: str = "events", seconds: str = "seconds") -> Measured:
    rec = Recorder()
    if result.get("histogram"):
        rec.histogram.add(decode(result["histogram"]))
    return Measured(rec, result[seconds], {}, int(result[key]), "events")


async def pipeline(
    target: Target,
    appender: Appender,
    *,
    rate: float,
    duration: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Relay and projector (instrumented, own processes) on a fresh topic under paced appends."""
    suffix = uuid.uuid4().hex[:8]
    topic = f"bench.profile-events.{suffix}"
    await ensure_topic(target.kafka, topic, partitions=TOPIC_PARTITIONS, replication_factor=1)
    await _checkpoint_at(appender.pool, f"bench-relay-{suffix}", None)
    probes = [
        Probe(target, "relay", {"topic": topic, "relay_name": f"bench-relay-{suffix}"}),
        Probe(
            target,
            "project",
            {"topic": topic, "group": f"bench-{suffix}", "keks": target.personal_data_keks},
        ),
        Probe(target, "consume", {"topic": topic, "group": f"bench-consume-{suffix}"}),
    ]
    try:
        for p in probes:
            await p.start()
        waiting = asyncio.gather(*(p.ready() for p in probes))
        while not waiting.done():  # a trickle until the consumers have seen their first events
            await appender.append_timed("pipeline", 0)
            await asyncio.sleep(0.05)
        await waiting
        log(f"    pipeline ready; appending {rate:,.0f} events/s for {duration:g}s")
        # 1-3 events per transaction; the first second ramps up and is not measured.
        recorded = await _paced(appender, rate / 2, duration + 1.0)
        t0, t1 = recorded[0] + 1.0, recorded[1]
        expected = sum(1 for r in recorded[2] if t0 <= r <= t1)
        stop = f"STOP {t0} {t1} {expected}"
        relay, project, consume = [await p.result(stop) for p in probes]
    finally:
        for p in probes:
            p.kill()
    return {
        "appended": expected,
        "window": [t0, t1],
        "relay": relay,
        "projection": project,
        "consume": consume,
        "measured": {
            "relay": _rate_of(relay),
            "projection": _rate_of(project),
            "consume": _rate_of(consume),
        },
    }


async def _paced(
    appender: Appender, transactions_per_second: float, duration: float, writers: int = 8
) -> tuple[float, float, list[float]]:
    """Open-loop appends at a fixed transaction rate; returns (t0, t1, every recorded_at)."""
    interval = 1.0 / transactions_per_second
    t0 = time.time()
    start = time.monotonic()
    tickets = iter(range(int(duration * transactions_per_second)))
    recorded: list[float] = []

    async def writer(index: int) -> None:
        for n in tickets:
            await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
            recorded.extend(await appender.append_timed("pipeline", index))

    await asyncio.gather(*(writer(i) for i in range(writers)))
    return t0, time.time(), recorded


async def drain(
    target: Target, pool: asyncpg.Pool, *, events: int, rate: float, duration: float
) -> dict[str, Any]:
    """The relay over a backlog of ``events`` (events/s), beside the same records produced
    directly to Kafka with the relay's producer settings."""
    total = int(await pool.fetchval("SELECT count(*) FROM vault.events"))
    backlog = min(events, total)
    suffix = uuid.uuid4().hex[:8]
    for topic in (f"bench.drain.{suffix}", f"bench.produce.{suffix}"):
        await ensure_topic(target.kafka, topic, partitions=TOPIC_PARTITIONS, replication_factor=1)
    after = await _checkpoint_at(pool, f"bench-drain-{suffix}", backlog)
    relay = await (
        await Probe(
            target,
            "drain",
            {
                "topic": f"bench.drain.{suffix}",
                "relay_name": f"bench-drain-{suffix}",
                "expected": backlog,
            },
        ).start()
    ).result()
    direct = await (
        await Probe(
            target,
            "produce",
            {
                "topic": f"bench.produce.{suffix}",
                "after": list(after),
                "expected": backlog,
                "rate": rate,
                "duration": duration,
            },
        ).start()
    ).result()
    return {"relay": relay, "produce": direct, "backlog": backlog}


async def rebuild_view(target: Target, pool: asyncpg.Pool, view: str) -> tuple[Measured, Measured]:
    """``projections.runners.rebuild.rebuild`` of a view (events/s, per-batch latency), beside reading
    the same events raw in commit order (the replay's ceiling)."""
    projection = PROFILE_VIEW if view == "profile-view" else CUSTOMER_SEARCH
    decoder = EventDecoder(EventCodec(), PersonalDataKeys(Keyring.parse(target.personal_data_keks)))
    batches = Recorder()
    last = [time.perf_counter()]

    def progress(_done: int, _total: int) -> None:
        now = time.perf_counter()
        batches.record(now - last[0])
        last[0] = now

    last[0] = time.perf_counter()
    result = await rebuild(
        pool,
        projection,
        PostgresEventStore(),
        decoder,
        track_positions=projection is not PROFILE_VIEW,
        progress=progress,
    )
    measured = Measured(batches, result.seconds, {}, result.events, "events")

    raw_batches = Recorder()
    started = time.perf_counter()
    count = 0
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        position: tuple[int, int] = START
        while True:
            t = time.perf_counter()
            rows = await conn.fetch(_READ_ALL, position[0], position[1], 2000)
            if not rows:
                break
            raw_batches.record(time.perf_counter() - t)
            count += len(rows)
            position = (rows[-1]["tx_id"], rows[-1]["global_position"])
    raw = Measured(raw_batches, time.perf_counter() - started, {}, count, "events")
    return measured, raw


async def timed_cpu(
    cpu: Callable[[], dict[str, float]], work: Callable[[], Awaitable[Any]]
) -> tuple[Any, dict[str, float]]:
    before = cpu()
    out = await work()
    after = cpu()
    return out, {k: max(0.0, after.get(k, 0.0) - v) for k, v in before.items()}
