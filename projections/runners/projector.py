"""The projector: a Kafka consumer group that folds relayed events into an asynchronous view.

Each batch is applied in one Postgres transaction together with the per-stream positions it moves,
and Kafka offsets are committed only after that transaction: a crash in between redelivers the
batch, and the positions make the redelivery a no-op. Delivery is at least once; the effect is
exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import msgspec
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError

from events.envelope import KafkaEnvelope, RecordedEvent
from infra.kafka_security import kafka_security
from infra.sqlfiles import Queries
from infra.supervision import LoopHealth, keep_running
from projections.rows import Projection
from projections.runners import metrics
from projections.runners.apply import apply
from projections.runners.decoding import EventDecoder

log = logging.getLogger(__name__)


class _Sql(Queries, package="projections"):
    projection_positions_lock: str
    projection_positions_save: str


_envelope_decoder = msgspec.json.Decoder(KafkaEnvelope)


@dataclass(frozen=True)
class ProjectorSettings:
    bootstrap_servers: str
    topic: str
    group_prefix: str = "customervault"
    max_records: int = 500


@dataclass(frozen=True)
class BatchResult:
    applied: int
    skipped: int


async def apply_batch(
    pool: asyncpg.Pool,
    projection: Projection,
    decoder: EventDecoder,
    batch: Sequence[RecordedEvent],
) -> BatchResult:
    """Apply a batch of relayed events once each, whatever was delivered before."""
    # Decoded before the transaction: its row locks (and its xid, which holds back the relay's
    # xmin horizon) last only for the writes. A redelivered event is decoded for nothing, rarely.
    decoded = await decoder.decode(pool, batch, projection.handles)
    applied = 0
    async with pool.acquire() as conn, conn.transaction():
        streams = sorted({e.stream_id for e in batch})
        rows = await conn.fetch(_Sql.projection_positions_lock, projection.name, streams)
        positions = {r["stream_id"]: r["stream_version"] for r in rows}
        ops = []
        for event, ctx in decoded:
            # Redelivered (a relay re-sent after a crash), before this batch or within it.
            if ctx.stream_version <= positions.get(ctx.stream_id, 0):
                continue
            ops.extend(projection.project(event, ctx))
            positions[ctx.stream_id] = ctx.stream_version
            applied += 1
        await apply(conn, ops)
        if applied:
            await conn.execute(
                _Sql.projection_positions_save,
                projection.name,
                list(positions),
                list(positions.values()),
            )
    return BatchResult(applied=applied, skipped=len(batch) - applied)


async def _commit(
    consumer: AIOKafkaConsumer, polled: dict[TopicPartition, list[ConsumerRecord]]
) -> None:
    offsets = {tp: records[-1].offset + 1 for tp, records in polled.items() if records}
    try:
        await consumer.commit(offsets)
    except CommitFailedError:
        # A rebalance took the partitions: their next owner starts from the last committed
        # offsets, and the positions make what it re-reads a no-op.
        log.warning("offset commit lost to a rebalance; the new owner re-reads those records")


def recorded_from_kafka(record: ConsumerRecord) -> RecordedEvent:
    return _envelope_decoder.decode(record.value).to_recorded()


class Projector:
    def __init__(
        self,
        settings: ProjectorSettings,
        pool: asyncpg.Pool,
        projection: Projection,
        decoder: EventDecoder,
    ) -> None:
        self._settings = settings
        self._pool = pool
        self._projection = projection
        self._decoder = decoder
        self.ready = asyncio.Event()
        self.health = LoopHealth("projector")

    @property
    def group_id(self) -> str:
        return f"{self._settings.group_prefix}.{self._projection.name}"

    async def run(self, stop: asyncio.Event) -> None:
        """Project until ``stop`` is set. A PostgreSQL or Kafka outage restarts the consumer with a
        backoff: offsets not yet committed are redelivered, and positions make that a no-op."""
        await keep_running("projector", self._consume, stop, health=self.health)

    async def _consume(self, stop: asyncio.Event) -> None:
        s = self._settings
        consumer = AIOKafkaConsumer(
            s.topic,
            bootstrap_servers=s.bootstrap_servers,
            **kafka_security(),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        self.ready.set()
        committing: asyncio.Future[None] | None = None
        try:
            while not stop.is_set():
                polled = await consumer.getmany(timeout_ms=100, max_records=s.max_records)
                records = [r for partition in polled.values() for r in partition]
                if not records:
                    self.health.ok()
                    continue
                await self._apply(records)
                # Offsets after the database commit (see the module docstring), of exactly the
                # records applied; the Kafka round trip overlaps the next batch's work.
                if committing is not None:
                    await committing
                committing = asyncio.ensure_future(_commit(consumer, polled))
                self.health.ok()
            if committing is not None:
                await committing
        finally:
            if committing is not None:
                # Left behind by a failure: its offsets are redelivered if it did not land, and
                # the failure that matters is the one already propagating.
                committing.cancel()
                await asyncio.wait([committing])
                if not committing.cancelled():
                    committing.exception()
            await consumer.stop()

    async def _apply(self, records: list[ConsumerRecord]) -> None:
        name = self._projection.name
        batch = [recorded_from_kafka(r) for r in records]
        result = await apply_batch(self._pool, self._projection, self._decoder, batch)
        now = time.time()
        for event in batch:
            metrics.PROJECTION_LAG.labels(name).observe(
                max(0.0, now - event.recorded_at.timestamp())
            )
        metrics.PROJECTION_LAG_LAST.labels(name).set(
            max(0.0, now - batch[-1].recorded_at.timestamp())
        )
        metrics.PROJECTED.labels(name).inc(result.applied)
        metrics.DUPLICATES.labels(name).inc(result.skipped)
