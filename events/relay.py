"""The relay: publishes every stored event to Kafka, in commit order, at least once.

One relay is active at a time. It holds a session-level advisory lock on a dedicated connection and
runs every query, the checkpoint update included, on that same connection: if the connection (and so
the lock) is lost, the checkpoint write fails with it and a standby that took over can never be
overtaken by a stale leader writing an older position.

Ordering. Events are read by (tx_id, global_position) below the xmin horizon (see
read_committed.sql) and sent with the profile id as key, so each profile's events land on one
partition in stream order. The producer is idempotent (acks=all, sequence numbers per partition),
which keeps that order through its own retries. The checkpoint moves only after Kafka acknowledged
the whole batch: a crash re-sends what was in flight (at most two batches: the next one is sent
before the previous one's acks are awaited; consumers skip by stream version) but never skips.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import asyncpg
import msgspec
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2
from aiokafka.producer.message_accumulator import BatchBuilder

from events import metrics
from events.envelope import KafkaEnvelope, RecordedEvent, stream_subject
from events.store import PostgresEventStore
from infra.leadership import LeaderLoop, SessionLock, publishing
from infra.sqlfiles import Queries
from infra.supervision import keep_running, sleep_or_stop

log = logging.getLogger(__name__)


class _Sql(Queries, package="events"):
    relay_checkpoint_load: str
    relay_checkpoint_save: str
    xmin_horizon_age: str
    relay_try_lock: str
    relay_lag: str
    relay_wake_lease: str


_envelope_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class RelaySettings:
    database_url: str
    bootstrap_servers: str
    topic: str
    name: str = "default"
    # Where a name without a checkpoint starts: the whole history, or only what commits from now.
    start: Literal["beginning", "head"] = "beginning"
    batch_size: int = 500
    idle_poll_seconds: float = 0.01  # while events are flowing (the hot window)
    standby_poll_seconds: float = 1.0
    lag_sample_seconds: float = 2.0
    safety_poll_seconds: float = 1.0  # idle: NOTIFY wakes the relay, this poll is the safety net
    hot_poll_seconds: float = 0.1  # how long after the last event the relay keeps polling fast


@dataclass
class _InFlight:
    batch: list[RecordedEvent]
    acks: list[asyncio.Future[object]]


NOTIFY_CHANNEL = "vault_events"


async def _wait(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Until a NOTIFY, ``stop`` or ``seconds``, whichever comes first."""
    waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


@lru_cache(maxsize=1 << 16)
def partition_of(key: bytes, partitions: int) -> int:
    """The partition aiokafka's default partitioner (Kafka's murmur2) gives ``key``: a profile's
    records stay where they always went. Cached: the hash is pure Python, and profiles recur."""
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


@lru_cache(maxsize=1 << 16)
def _key(stream_id: str) -> bytes:
    return str(stream_subject(stream_id)).encode()


KafkaRecord = tuple[bytes, bytes, list[tuple[str, bytes]]]


def kafka_record(event: RecordedEvent) -> KafkaRecord:
    """Key, value and headers of an event's Kafka record (CloudEvents Kafka binding names)."""
    envelope = KafkaEnvelope.of(event)
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", _envelope_encoder.encode(event.event_id)[1:-1]),  # str(uuid), in C
        ("ce_type", event.event_type.encode()),
        ("ce_source", b"/customervault"),
        ("ce_subject", event.stream_id.encode()),
        ("ce_time", event.recorded_at.isoformat().encode()),
        ("ce_schemaversion", str(event.schema_version).encode()),
        ("ce_streamversion", str(event.stream_version).encode()),
        ("ce_globalposition", str(event.global_position).encode()),
        ("content-type", b"application/json"),
    ]
    return _key(event.stream_id), _envelope_encoder.encode(envelope), headers


async def send_in_batches(
    producer: AIOKafkaProducer, topic: str, records: list[KafkaRecord]
) -> list[asyncio.Future[object]]:
    """Hand ``records`` (key, value, headers) to the producer as one record batch per partition
    (one future each, not one per record), in their order; a record's partition is the default
    partitioner's, so a profile's events keep theirs."""
    count = len(await producer.partitions_for(topic))
    builders: dict[int, BatchBuilder] = {}
    pending = []
    for key, value, headers in records:
        partition = partition_of(key, count)
        builder = builders.get(partition)
        if (
            builder is None
            or builder.append(timestamp=None, key=key, value=value, headers=headers) is None
        ):
            if builder is not None:  # full: it goes first, the record starts the next one
                pending.append(await producer.send_batch(builder, topic, partition=partition))
            builder = builders[partition] = producer.create_batch()
            builder.append(timestamp=None, key=key, value=value, headers=headers)
    for partition, builder in builders.items():
        pending.append(await producer.send_batch(builder, topic, partition=partition))
    return pending


class Relay(LeaderLoop):
    def __init__(self, settings: RelaySettings, store: PostgresEventStore | None = None) -> None:
        self._settings = settings
        self._store = store or PostgresEventStore()
        # The lock guards the checkpoint row: relays sharing a name (replicas of one Deployment)
        # take turns; differently named relays (another topic) run side by side.
        lock = SessionLock(
            settings.database_url,
            _Sql.relay_try_lock,
            (settings.name,),
            settings.standby_poll_seconds,
        )
        work = publishing(
            settings.bootstrap_servers, self._publish_until_stopped, max_batch_size=1 << 20
        )
        super().__init__(
            "relay",
            lock,
            work,
            on_change=lambda leading: metrics.RELAY_LEADER.set(int(leading)),
            on_failure=metrics.KAFKA_PRODUCE_ERRORS.labels(process="relay").inc,
        )

    async def _publish_until_stopped(
        self, conn: asyncpg.Connection, producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> None:
        s = self._settings
        row = await conn.fetchrow(_Sql.relay_checkpoint_load, s.name, s.start == "head")
        position = (int(row["tx_id"]), int(row["global_position"]))
        wake = asyncio.Event()

        def notified(*_: object) -> None:
            wake.set()

        # Commits on vault.events NOTIFY (events_notify.sql); the slow poll is the safety net for a
        # lost connection's notifications and for events held back by the xmin horizon.
        await conn.add_listener(NOTIFY_CHANNEL, notified)
        in_flight: _InFlight | None = None  # sent to Kafka, acks and checkpoint pending
        await conn.execute(_Sql.relay_wake_lease, s.name, 0.0)  # a predecessor's lease
        lease = 0.0  # monotonic time until which appends NOTIFY us
        quiet_since: float | None = None
        try:
            while not stop.is_set():
                now = time.monotonic()
                wake.clear()
                # The next read overlaps the previous batch's acks.
                batch = await self._store.read_committed(conn, position, s.batch_size)
                self.health.ok()
                # Send before waiting for the previous batch's acks: Kafka acknowledges both in
                # one round trip, and per-partition order holds (the idempotent producer keeps
                # the order batches were handed to it).
                sent = _InFlight(batch, await self._send(producer, batch)) if batch else None
                if in_flight is not None:
                    await self._settle(conn, in_flight)
                in_flight = sent
                if batch:
                    position = batch[-1].commit_position
                    quiet_since = None
                    if lease:  # busy again: appends need not notify (events_notify.sql)
                        await conn.execute(_Sql.relay_wake_lease, s.name, 0.0)
                        lease = 0.0
                    continue
                quiet_since = quiet_since or now
                # Just after activity, poll fast for a moment: an event whose commit notified
                # may still sit behind an older open transaction (the horizon) for a few ms.
                if now - quiet_since < s.hot_poll_seconds:
                    await _wait(wake, stop, s.idle_poll_seconds)
                elif lease - now < s.safety_poll_seconds:
                    # Ask the appends to notify (a lease, renewed while idle), then read once
                    # more: an append that looked before the lease was taken did not notify.
                    await conn.execute(_Sql.relay_wake_lease, s.name, 3 * s.safety_poll_seconds)
                    lease = now + 3 * s.safety_poll_seconds
                else:
                    await _wait(wake, stop, s.safety_poll_seconds)
            if in_flight is not None:
                await self._settle(conn, in_flight)
        finally:
            with contextlib.suppress(Exception):
                await conn.remove_listener(NOTIFY_CHANNEL, notified)
                await conn.execute(
                    _Sql.relay_wake_lease, s.name, 0.0
                )  # stopped: no more NOTIFYs for us

    async def _send(
        self, producer: AIOKafkaProducer, batch: list[RecordedEvent]
    ) -> list[asyncio.Future[object]]:
        return await send_in_batches(
            producer, self._settings.topic, [kafka_record(event) for event in batch]
        )

    async def _settle(self, conn: asyncpg.Connection, sent: _InFlight) -> None:
        """Wait for Kafka's acks of a sent batch, then move the checkpoint past it."""
        await self._acked(sent.batch, sent.acks)
        position = sent.batch[-1].commit_position
        await conn.execute(
            _Sql.relay_checkpoint_save,
            self._settings.name,
            position[0],
            position[1],
            len(sent.batch),
        )

    async def _acked(
        self, batch: list[RecordedEvent], pending: list[asyncio.Future[object]]
    ) -> None:
        try:
            await asyncio.gather(*pending)
        except Exception:
            metrics.KAFKA_PRODUCE_ERRORS.labels(process="relay").inc()
            raise
        acked = time.time()
        for event in batch:
            metrics.RELAY_APPEND_TO_ACK.observe(max(0.0, acked - event.recorded_at.timestamp()))
        metrics.RELAY_PUBLISHED.inc(len(batch))

    async def sample_lag(self, stop: asyncio.Event) -> None:
        """Every ``lag_sample_seconds``, the relay lag and the xmin horizon age, read from the
        store on a connection of its own: they keep moving while publishing is stuck. Every
        replica samples, standbys included (the figure is the store's, not the replica's)."""
        await keep_running("relay lag sampler", self._sample_until_stopped, stop)

    async def _sample_until_stopped(self, stop: asyncio.Event) -> None:
        s = self._settings
        conn = await asyncpg.connect(s.database_url, timeout=s.lag_sample_seconds)
        try:
            while not stop.is_set():
                async with asyncio.timeout(s.lag_sample_seconds):
                    metrics.RELAY_LAG.set(await conn.fetchval(_Sql.relay_lag, s.name))
                    metrics.XMIN_HORIZON_AGE.set(await conn.fetchval(_Sql.xmin_horizon_age))
                await sleep_or_stop(stop, s.lag_sample_seconds)
        finally:
            conn.terminate()  # never waits on a server that stopped answering
