"""The projection lag sampler against the real broker: quiet while the stack is idle (issue 17: it
used to re-assign its consumer on every sample, and aiokafka logs each assignment at INFO), and
still the age of the oldest record the projection's group has not committed, following partitions
added to the topic."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions

from projections.runners import metrics
from projections.runners.lag import LagSettings, sample_projection_lag
from service.settings import Settings

# Short, but each sample must fit in the sampler's bound of 5 intervals on a loaded machine.
INTERVAL = 0.4
# The record the group has not committed was published this long ago (its Kafka timestamp).
PUBLISHED_AGO = 60.0


def sampled_lag(projection: str) -> float | None:
    """The gauge the sampler sets for ``projection``; None until it set it once."""
    for family in metrics.PROJECTION_LAG_SECONDS.collect():
        for sample in family.samples:
            if sample.labels == {"projection": projection}:
                return sample.value
    return None


async def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


async def publish_old_record(bootstrap_servers: str, topic: str, partition: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            b"not applied yet",
            partition=partition,
            timestamp_ms=int((time.time() - PUBLISHED_AGO) * 1000),
        )
    finally:
        await producer.stop()


async def commit(bootstrap_servers: str, group_id: str, offsets: dict[TopicPartition, int]) -> None:
    """Commits as the projector does once it applied the records before ``offsets``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group_id, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


class Sampler:
    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        self.projection = f"lag-test-{uuid.uuid4().hex[:8]}"
        # A group of its own that has committed nothing: every record on the topic is unapplied.
        self.group_id = f"lag-test-{uuid.uuid4()}"
        self.settings = LagSettings(
            bootstrap_servers=bootstrap_servers,
            topic=topic,
            group_id=self.group_id,
            projection=self.projection,
            interval_seconds=INTERVAL,
        )

    def lag(self) -> float | None:
        return sampled_lag(self.projection)


@pytest.fixture
async def start_sampler(settings: Settings) -> AsyncIterator[Callable[[str], Sampler]]:
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    def start(topic: str) -> Sampler:
        sampler = Sampler(settings.kafka_bootstrap_servers, topic)
        tasks.append(asyncio.create_task(sample_projection_lag(sampler.settings, stop)))
        return sampler

    yield start
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.INFO
    ]


async def test_an_idle_sampler_logs_nothing_and_reports_the_oldest_uncommitted_record(
    settings: Settings,
    topic: str,
    start_sampler: Callable[[str], Sampler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bootstrap = settings.kafka_bootstrap_servers
    await publish_old_record(bootstrap, topic, partition=1)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="aiokafka")  # as production sets it (infra.logs)

    sampler = start_sampler(topic)
    await until(lambda: sampler.lag() is not None, "the sampler set its lag gauge")
    # From here on the stack is idle and healthy: sampling must not log at INFO or above. (Before
    # the first figure, setting up its one assignment says so once, and a broker's first consumer
    # group may meet "coordinator not available".)
    caplog.clear()
    first = sampler.lag()
    assert first is not None
    await asyncio.sleep(INTERVAL * 10)
    last = sampler.lag()
    assert loud(caplog) == [], "the idle sampler logged at INFO or above"

    # It did sample all along: the record the group has not committed is a minute old, and older
    # at the end of the window than at its start.
    assert last is not None
    assert PUBLISHED_AGO <= first < PUBLISHED_AGO + 30
    assert last >= first + INTERVAL * 5

    # Once the group commits past it, nothing is waiting: the lag falls to 0.
    await commit(bootstrap, sampler.group_id, {TopicPartition(topic, 1): 1})
    await until(lambda: sampler.lag() == 0.0, "the lag falls to 0 after the commit")


async def test_the_sampler_follows_partitions_added_to_the_topic(
    settings: Settings,
    topic: str,
    start_sampler: Callable[[str], Sampler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bootstrap = settings.kafka_bootstrap_servers
    caplog.set_level(logging.INFO)
    sampler = start_sampler(topic)
    await until(lambda: sampler.lag() == 0.0, "the sampler saw the empty topic")
    # (A broker's first consumer group may meet "coordinator not available" before that.)
    caplog.clear()

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_partitions({topic: NewPartitions(total_count=4)})
    finally:
        await admin.close()
    await publish_old_record(bootstrap, topic, partition=3)

    await until(
        lambda: (sampler.lag() or 0.0) >= PUBLISHED_AGO,
        "the lag shows the record on the added partition",
    )
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
