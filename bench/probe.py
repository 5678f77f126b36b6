"""``python -m bench.probe MODE`` (configuration as JSON in ``VAULT_BENCH_PROBE``): one instrumented pipeline stage in its own
process, so its CPU is not shared with the load generator's event loop.

Modes (all run the real classes, subclassed only to take timestamps):

* ``relay``   ``events.relay.Relay``; per event: Kafka acknowledgement time - ``recorded_at``.
* ``drain``   the same Relay over an existing backlog of ``expected`` events; events/s.
* ``produce`` baseline for both: the same records straight to Kafka with the relay's producer
              settings (idempotent, acks=all, linger 2 ms), send → acknowledgement.
* ``project`` ``projections.runners.projector.Projector``; per event: apply (after commit) - ``recorded_at``.
* ``consume`` baseline for the projector: a bare consumer, receipt - ``recorded_at``, no apply.

Protocol on stdout: ``READY`` once the stage is working, then ``RESULT {json}`` at the end. The
live modes stop on a ``STOP t0 t1 expected`` line on stdin (epoch seconds): they wait until
``expected`` events recorded in [t0, t1] were seen (at most 20 s) and report those only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import resource
import sys
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.hist import Recorder, encode, summary
from events.codec import EventCodec
from events.crypto import Keyring
from events.envelope import RecordedEvent
from events.personal_keys import PersonalDataKeys
from events.relay import Relay, RelaySettings, kafka_record, send_in_batches
from events.store import PostgresEventStore
from projections.customer_search import CUSTOMER_SEARCH
from projections.runners.decoding import EventDecoder
from projections.runners.projector import Projector, ProjectorSettings, recorded_from_kafka

SERIES_STEP = 0.25  # seconds per point of the lag-over-time series


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Samples:
    """(recorded_at, seen_at) pairs; the histogram is made for the measured window at the end."""

    def __init__(self) -> None:
        self.pairs: list[tuple[float, float]] = []
        self.ready = asyncio.Event()

    def add(self, recorded_at: float, seen_at: float) -> None:
        self.pairs.append((recorded_at, seen_at))
        self.ready.set()

    def in_window(self, t0: float, t1: float) -> list[tuple[float, float]]:
        return [p for p in self.pairs if t0 <= p[0] <= t1]

    def report(self, t0: float, t1: float) -> dict[str, Any]:
        window = self.in_window(t0, t1)
        rec = Recorder()
        for recorded, seen in window:
            rec.record(max(0.0, seen - recorded))
        buckets: dict[int, Recorder] = {}
        for recorded, seen in window:
            buckets.setdefault(int((recorded - t0) / SERIES_STEP), Recorder()).record(
                max(0.0, seen - recorded)
            )
        series = [
            [round(k * SERIES_STEP, 3), summary(r.histogram)["p50"], summary(r.histogram)["max"]]
            for k, r in sorted(buckets.items())
        ]
        return {
            "events": len(window),
            "seconds": max(1e-9, t1 - t0),
            "latency": summary(rec.histogram),
            "histogram": encode(rec.histogram),
            "series": series,
        }


class TimedRelay(Relay):
    def __init__(self, settings: RelaySettings, samples: Samples, expected: int = 0) -> None:
        super().__init__(settings)
        self.samples = samples
        self.expected = expected
        self.started = 0.0
        self.done = asyncio.Event()
        self.batches = Recorder()  # send-to-ack time of each batch: its latency in a drain
        self.sent_at: dict[int, float] = {}

    async def _publish_until_stopped(self, conn: Any, producer: Any, stop: asyncio.Event) -> None:
        self.started = time.time()
        emit("READY")
        await super()._publish_until_stopped(conn, producer, stop)

    async def _send(self, producer: AIOKafkaProducer, batch: list[RecordedEvent]) -> Any:
        self.sent_at[batch[-1].global_position] = time.perf_counter()
        return await super()._send(producer, batch)

    async def _acked(self, batch: list[RecordedEvent], pending: Any) -> None:
        await super()._acked(batch, pending)
        began = self.sent_at.pop(batch[-1].global_position, time.perf_counter())
        self.batches.record(time.perf_counter() - began)
        acked = time.time()
        for event in batch:
            self.samples.add(event.recorded_at.timestamp(), acked)
        if self.expected and len(self.samples.pairs) >= self.expected:
            self.done.set()


class TimedProjector(Projector):
    def __init__(self, samples: Samples, *args: Any) -> None:
        super().__init__(*args)
        self.samples = samples

    async def _apply(self, records: list[Any]) -> None:
        await super()._apply(records)
        applied = time.time()
        for record in records:
            self.samples.add(recorded_from_kafka(record).recorded_at.timestamp(), applied)


async def _read_stop() -> tuple[float, float, int]:
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    _, t0, t1, expected = line.split()
    return float(t0), float(t1), int(expected)


async def _live(samples: Samples, runner: Any) -> dict[str, Any]:
    """Run ``runner(stop)`` until STOP, wait for the window's events, report them."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner(stop))
    await samples.ready.wait()
    if not isinstance(runner.__self__, TimedRelay):
        emit("READY")
    t0, t1, expected = await _read_stop()
    deadline = time.monotonic() + 20
    while len(samples.in_window(t0, t1)) < expected and time.monotonic() < deadline:
        if task.done():
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    return {**samples.report(t0, t1), "expected": expected}


def _relay_settings(cfg: dict[str, Any]) -> RelaySettings:
    return RelaySettings(
        database_url=cfg["database_url"],
        bootstrap_servers=cfg["kafka"],
        topic=cfg["topic"],
        name=cfg["relay_name"],
        batch_size=cfg.get("batch_size", 500),
    )


async def relay(cfg: dict[str, Any]) -> dict[str, Any]:
    samples = Samples()
    relay = TimedRelay(_relay_settings(cfg), samples)
    samples.ready.set()  # the relay announces READY itself once it leads
    return await _live(samples, relay.run)


async def drain(cfg: dict[str, Any]) -> dict[str, Any]:
    samples = Samples()
    relay = TimedRelay(_relay_settings(cfg), samples, expected=cfg["expected"])
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await asyncio.wait_for(relay.done.wait(), timeout=cfg.get("timeout", 300))
    finished = max(s for _, s in samples.pairs)
    stop.set()
    await task
    return {
        "events": len(samples.pairs),
        "seconds": finished - relay.started,
        "batch_latency": summary(relay.batches.histogram),
        "batch_histogram": encode(relay.batches.histogram),
    }


def _producer(cfg: dict[str, Any]) -> AIOKafkaProducer:
    # The relay's settings (events/relay.py): idempotent, acks=all, linger 2 ms, 1 MiB batches.
    return AIOKafkaProducer(
        bootstrap_servers=cfg["kafka"],
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=1 << 20,
    )


async def produce(cfg: dict[str, Any]) -> dict[str, Any]:
    """Baseline: the drain's records produced directly; then at the live rate for latency."""
    conn = await asyncpg.connect(cfg["database_url"])
    try:
        store = PostgresEventStore()
        position: tuple[int, int] = (int(cfg["after"][0]), int(cfg["after"][1]))
        records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]] = []
        while len(records) < cfg["expected"]:
            batch = await store.read_all_locked(conn, position, 2000)
            if not batch:
                break
            records.extend(kafka_record(e) for e in batch)
            position = batch[-1].commit_position
    finally:
        await conn.close()
    records = records[: cfg["expected"]]
    producer = _producer(cfg)
    await producer.start()
    emit("READY")
    try:
        started, batches = time.time(), Recorder()
        for i in range(0, len(records), 500):  # the relay's batch size and wait-per-batch
            began = time.perf_counter()
            # One record batch per partition, as the relay sends: the baseline stays its ceiling.
            await asyncio.gather(
                *await send_in_batches(producer, cfg["topic"], records[i : i + 500])
            )
            batches.record(time.perf_counter() - began)
        drained = time.time() - started
        paced = Recorder()
        rate, until = cfg["rate"], time.monotonic() + cfg["duration"]
        interval, next_at, inflight = 1.0 / rate, time.monotonic(), set()
        index = 0
        while next_at < until:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            key, value, headers = records[index % len(records)]
            index += 1
            sent = time.perf_counter()
            future = await producer.send(cfg["topic"], value=value, key=key, headers=headers)
            future.add_done_callback(lambda _f, s=sent: paced.record(time.perf_counter() - s))
            inflight.add(future)
            inflight = {f for f in inflight if not f.done()}
            next_at += interval
        await asyncio.gather(*inflight)
    finally:
        await producer.stop()
    return {
        "events": len(records),
        "seconds": drained,
        "batch_histogram": encode(batches.histogram),
        "paced_events": paced.count,
        "paced_seconds": cfg["duration"],
        "latency": summary(paced.histogram),
        "histogram": encode(paced.histogram),
    }


async def project(cfg: dict[str, Any]) -> dict[str, Any]:
    samples = Samples()
    pool = await asyncpg.create_pool(cfg["database_url"], min_size=1, max_size=4)
    try:
        # Its own position rows: the stack's projector (if any) keeps its own.
        projection = dataclasses.replace(CUSTOMER_SEARCH, name=f"bench-{uuid.uuid4().hex[:8]}")
        projector = TimedProjector(
            samples,
            ProjectorSettings(cfg["kafka"], cfg["topic"], group_prefix=cfg["group"]),
            pool,
            projection,
            EventDecoder(EventCodec(), PersonalDataKeys(Keyring.parse(cfg["keks"]))),
        )
        return await _live(samples, projector.run)
    finally:
        await pool.close()


async def consume(cfg: dict[str, Any]) -> dict[str, Any]:
    samples = Samples()

    async def run(stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            cfg["topic"],
            bootstrap_servers=cfg["kafka"],
            group_id=cfg["group"],
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            while not stop.is_set():
                polled = await consumer.getmany(timeout_ms=100, max_records=500)
                now = time.time()
                for part in polled.values():
                    for record in part:
                        samples.add(recorded_from_kafka(record).recorded_at.timestamp(), now)
                if polled:
                    await consumer.commit()
        finally:
            await consumer.stop()

    class _Runner:  # gives _live a bound method whose __self__ is not a relay
        async def run(self, stop: asyncio.Event) -> None:
            await run(stop)

    return await _live(samples, _Runner().run)


MODES = {
    "relay": relay,
    "drain": drain,
    "produce": produce,
    "project": project,
    "consume": consume,
}


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # From the environment, not argv: it holds key-encryption keys.
    mode, cfg = sys.argv[1], json.loads(os.environ["VAULT_BENCH_PROBE"])
    result = asyncio.run(MODES[mode](cfg))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    emit("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
