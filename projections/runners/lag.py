"""Projection lag that sees a stalled projector: the age of the oldest record on the topic that the
projection's consumer group has not committed yet, sampled on Kafka connections of its own.

For each partition whose committed offset is behind the end offset, the record at the committed
offset is the oldest one not yet applied; its Kafka timestamp (when the relay published it) gives
the age. So the figure keeps growing while the projector is stuck (PostgreSQL down, the process
dead), unlike a lag computed from the batches it manages to apply.

The sampler's consumer keeps one manual assignment, of every partition of the topic (learnt from
the admin client's topic metadata on each sample), and assigns again only when that set changes:
aiokafka logs every ``assign()`` at INFO, which on every sample was ~1,400 lines an hour of noise.
Its partitions stay paused between reads, so the consumer fetches only the one record a sample asks
for, never in the background.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

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


def partitions_of(described: list[Any], topic: str) -> list[TopicPartition]:
    """The partitions of ``topic`` in ``AIOKafkaAdminClient.describe_topics`` output; none while
    the topic is unknown or has no leader yet (a topic-level error)."""
    numbers = {
        int(p["partition"])
        for t in described
        if t["topic"] == topic and t["error_code"] == 0
        for p in t["partitions"]
    }
    return [TopicPartition(topic, n) for n in sorted(numbers)]


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
        # The partition set from a metadata request of the admin client's own, on every sample: the
        # consumer's cached metadata would see added partitions only at its next periodic refresh
        # (metadata_max_age_ms, 5 minutes), and refreshing that cache has no public API.
        partitions = partitions_of(await admin.describe_topics([s.topic]), s.topic)
        if not partitions:
            # Nothing published can be waiting. Return before touching the assignment, so a
            # transient metadata error does not drop it (and log a re-assignment when it is back).
            return 0.0
        if consumer.assignment() != set(partitions):
            # Only when the set changed (the first sample, partitions added): assign() replaces the
            # whole assignment, resets every partition's position and is logged at INFO. It comes
            # before the offset look-ups below because it is what makes the consumer's client
            # track the topic's metadata (the partition leaders those requests go to).
            consumer.assign(partitions)
            # Paused from the start (pause() is per assignment, a new one starts unpaused): a
            # manually assigned partition is otherwise fetched in the background all the time,
            # long-polling the broker between samples and logging at INFO when a position it
            # kept from an earlier read falls out of retention.
            consumer.pause(*partitions)
        # The committed offsets before the end offsets: a commit cannot pass the end, so each end
        # read afterwards is at least the committed offset read before it.
        committed = await admin.list_consumer_group_offsets(s.group_id, partitions=partitions)
        firsts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        oldest: float | None = None
        for tp in partitions:
            done = committed.get(tp)
            position = max(done.offset if done is not None else -1, firsts[tp])
            if position >= ends[tp]:
                continue
            published = await self._timestamp_at(consumer, tp, position)
            if published is not None:
                oldest = published if oldest is None else min(oldest, published)
        return 0.0 if oldest is None else max(0.0, time.time() - oldest)

    @staticmethod
    async def _timestamp_at(
        consumer: AIOKafkaConsumer, tp: TopicPartition, position: int
    ) -> float | None:
        """When the record at ``position`` (or the first readable one after it: read_committed
        skips aborted records and transaction markers) was published, in epoch seconds."""
        # Seek before resuming, so the fetch that resume() wakes starts at ``position``, not where
        # the previous read of this partition left it (seek also drops what that read buffered).
        consumer.seek(tp, position)
        consumer.resume(tp)
        try:
            fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=1)
        finally:
            # Paused again whatever happened (a timeout cancelling the sample included), so the
            # partition is not fetched in the background until the next read asks for it.
            consumer.pause(tp)
        records = fetched.get(tp, [])
        return records[0].timestamp / 1000 if records else None
