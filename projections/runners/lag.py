"""Projection lag that sees a stalled projector: the age of the oldest record on the topic that the
projection's consumer group has not committed yet, sampled on Kafka connections of its own.

For each partition whose committed offset is behind the end offset, the record at the committed
offset is the oldest one not yet applied; its Kafka timestamp (when the relay published it) gives
the age. So the figure keeps growing while the projector is stuck (PostgreSQL down, the process
dead), unlike a lag computed from the batches it manages to apply.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from infra.kafka_security import kafka_security
from infra.supervision import keep_running, sleep_or_stop
from projections.runners import metrics


@dataclass(frozen=True)
class LagSettings:
    bootstrap_servers: str
    topic: str
    group_id: str
    projection: str
    interval_seconds: float = 2.0


async def sample_projection_lag(settings: LagSettings, stop: asyncio.Event) -> None:
    await keep_running("projection lag sampler", _LagSampler(settings).run, stop)


class _LagSampler:
    def __init__(self, settings: LagSettings) -> None:
        self._settings = settings

    async def run(self, stop: asyncio.Event) -> None:
        s = self._settings
        admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap_servers, **kafka_security())
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers,
            **kafka_security(),
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await admin.start()
        try:
            await consumer.start()
            try:
                while not stop.is_set():
                    async with asyncio.timeout(s.interval_seconds * 5):
                        lag = await self._oldest_unapplied_age(admin, consumer)
                    metrics.PROJECTION_LAG_SECONDS.labels(s.projection).set(lag)
                    await sleep_or_stop(stop, s.interval_seconds)
            finally:
                await consumer.stop()
        finally:
            await admin.close()

    async def _oldest_unapplied_age(
        self, admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer
    ) -> float:
        s = self._settings
        numbers = consumer.partitions_for_topic(s.topic)
        if not numbers:
            await consumer._client.force_metadata_update()
            numbers = consumer.partitions_for_topic(s.topic) or set()
        partitions = [TopicPartition(s.topic, n) for n in sorted(numbers)]
        if not partitions:
            return 0.0
        committed = await admin.list_consumer_group_offsets(s.group_id, partitions=partitions)
        firsts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        oldest: float | None = None
        for tp in partitions:
            done = committed.get(tp)
            position = max(done.offset if done is not None else -1, firsts[tp])
            if position >= ends[tp]:
                continue
            consumer.seek(tp, position)
            fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=1)
            for record in fetched.get(tp, []):
                published = record.timestamp / 1000
                oldest = published if oldest is None else min(oldest, published)
        return 0.0 if oldest is None else max(0.0, time.time() - oldest)
