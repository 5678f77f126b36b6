"""The relay publishes every event to Kafka in per-profile order: under concurrent transactions that
commit out of position order, across a SIGKILL mid-batch, and with a standby waiting its turn."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest

from events.codec import EventCodec
from events.crypto import Keyring
from events.envelope import KafkaEnvelope, stream_subject
from events.personal_keys import PersonalDataKeys
from events.relay import Relay, RelaySettings
from events.store import PostgresEventStore
from events.types import ProfilePersonal
from service.adapters.profile_store import postgres_profile_commands
from service.application.profiles import ProfileCommands
from service.domain import profile as aggregate
from service.settings import Settings
from tests.support import read_topic, wait_until

MERCHANT = uuid.uuid4()


@pytest.fixture
async def commands(pool: asyncpg.Pool, keyring: Keyring) -> ProfileCommands:
    await pool.execute(
        "INSERT INTO vault.merchants (merchant_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        MERCHANT,
        "relay-tests",
    )
    return postgres_profile_commands(pool, PersonalDataKeys(keyring))


async def create_profiles(commands: ProfileCommands, count: int, updates: int) -> dict[str, int]:
    """Profiles with ``updates`` updates each, written concurrently; returns versions by stream."""

    async def one() -> tuple[str, int]:
        pid = uuid.uuid4()
        personal = ProfilePersonal(merchant_customer_id=str(pid), first_name="Ada")
        await commands.execute(
            MERCHANT,
            pid,
            aggregate.CreateProfile(
                profile_id=pid,
                merchant_id=MERCHANT,
                payment_token="Ptest",
                status="ACTIVE",
                locale="en_US",
                personal=personal,
            ),
            {},
        )
        for _ in range(updates):
            await commands.execute(
                MERCHANT,
                pid,
                aggregate.UpdateProfile(status=None, locale="en_GB", personal=personal),
                {},
            )
        return f"profile-{pid}", 1 + updates

    return dict(await asyncio.gather(*(one() for _ in range(count))))


def by_stream(records: list) -> dict[str, list[int]]:
    """Stream versions per stream, in the order Kafka holds them (per partition)."""
    seen: dict[str, list[int]] = defaultdict(list)
    for record in records:
        envelope = msgspec.json.decode(record.value, type=KafkaEnvelope)
        assert record.key.decode() == str(stream_subject(envelope.stream_id))
        headers = dict(record.headers)
        assert headers["ce_id"].decode() == str(envelope.event_id)
        assert headers["ce_type"].decode() == envelope.event_type
        assert int(headers["ce_streamversion"]) == envelope.stream_version
        assert int(headers["ce_globalposition"]) == envelope.global_position
        assert int(headers["ce_schemaversion"]) == envelope.schema_version
        seen[envelope.stream_id].append(envelope.stream_version)
    return seen


def assert_complete_and_ordered(expected: dict[str, int], records: list) -> int:
    """Each stream's events all arrived, first deliveries in order; returns the duplicate count."""
    seen = by_stream(records)
    duplicates = 0
    for stream, last in expected.items():
        versions = seen[stream]
        first_seen: list[int] = []
        for v in versions:
            if v in first_seen:
                duplicates += 1
                # A redelivery is a replay of a suffix, never a jump back into the middle of order.
                continue
            first_seen.append(v)
        assert first_seen == list(range(1, last + 1)), (stream, versions)
    return duplicates


@pytest.fixture
async def relay_runner(settings: Settings) -> AsyncIterator:
    started: list[tuple[asyncio.Event, asyncio.Task]] = []

    def start(topic: str, name: str, batch_size: int = 100, **overrides: float) -> Relay:
        relay = Relay(
            RelaySettings(
                database_url=settings.database_url,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                topic=topic,
                name=name,
                batch_size=batch_size,
                standby_poll_seconds=0.1,
                **overrides,
            )
        )
        stop = asyncio.Event()
        started.append((stop, asyncio.create_task(relay.run(stop))))
        return relay

    yield start
    for stop, _ in started:
        stop.set()
    await asyncio.gather(*(task for _, task in started))


async def wait_for_checkpoint(
    pool: asyncpg.Pool, name: str, published: int, timeout: float = 60, interval: float = 0.05
):
    async with asyncio.timeout(timeout):
        while True:
            row = await pool.fetchrow(
                "SELECT events_published FROM vault.relay_checkpoints WHERE relay_name = $1", name
            )
            if row and row["events_published"] >= published:
                return row["events_published"]
            await asyncio.sleep(interval)


async def lock_holder(pool: asyncpg.Pool, name: str) -> int | None:
    """The backend holding the relay's advisory lock."""
    pid = await pool.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' "
        "AND objid = hashtext($1)::oid AND granted",
        name,
    )
    return None if pid is None else int(pid)


async def test_concurrent_writers_reach_kafka_in_order(
    commands: ProfileCommands, relay_runner, settings: Settings, pool: asyncpg.Pool, topic: str
) -> None:
    name = await checkpoint_now(pool)
    relay_runner(topic, name, batch_size=50)
    # Writes happen while the relay runs, from many concurrent transactions.
    expected = await create_profiles(commands, count=40, updates=4)
    await wait_for_checkpoint(pool, name, sum(expected.values()))
    records = await read_topic(settings.kafka_bootstrap_servers, topic)
    assert assert_complete_and_ordered(expected, records) == 0


async def test_an_idle_relay_is_woken_by_the_appending_commit(
    commands: ProfileCommands, relay_runner, settings: Settings, pool: asyncpg.Pool, topic: str
) -> None:
    """With its safety poll far away, only the NOTIFY of the appending transaction can wake the
    idle relay in time."""
    name = await checkpoint_now(pool)
    relay = relay_runner(topic, name, safety_poll_seconds=120.0, hot_poll_seconds=0.0)
    await wait_until(lambda: relay.is_leader)
    expected: dict[str, int] = {}
    for _ in range(3):
        expected |= await create_profiles(commands, count=2, updates=1)
        await wait_for_checkpoint(pool, name, sum(expected.values()), timeout=30)
    records = await read_topic(settings.kafka_bootstrap_servers, topic)
    assert assert_complete_and_ordered(expected, records) == 0


async def test_a_lower_position_committing_late_is_not_skipped(
    commands: ProfileCommands,
    relay_runner,
    settings: Settings,
    pool: asyncpg.Pool,
    topic: str,
    keyring: Keyring,
) -> None:
    """Transaction A takes a lower global_position than B but commits after B (and after the relay
    has polled). A reader trusting global_position alone would pass A's event by for good."""
    store, codec = PostgresEventStore(), EventCodec()
    key = Keyring.generate().keys
    data_key = next(iter(key.values()))
    early, late = f"profile-{uuid.uuid4()}", f"profile-{uuid.uuid4()}"

    def event(stream: str):
        return codec.encode(
            aggregate.ProfileDeleted(profile_id=uuid.UUID(stream[8:])),
            subject_id=uuid.UUID(stream[8:]),
            data_key=data_key,
            metadata={"merchantId": str(MERCHANT)},
        )

    # The relay starts after everything earlier tests wrote, just before a marker that commits
    # ahead of A: publishing the marker while A is open proves it polled at the horizon then.
    name = await checkpoint_now(pool)
    marker = f"profile-{uuid.uuid4()}"
    async with pool.acquire() as m:
        await store.append(m, marker, 0, [event(marker)])
    async with pool.acquire() as a, pool.acquire() as b:
        tx_a = a.transaction()
        await tx_a.start()
        await store.append(a, early, 0, [event(early)])  # lower position, still open
        async with b.transaction():
            await store.append(b, late, 0, [event(late)])
        position = "SELECT global_position FROM vault.events WHERE stream_id = $1"
        assert await a.fetchval(position, early) < await pool.fetchval(position, late)
        relay_runner(topic, name)
        assert await wait_for_checkpoint(pool, name, 1) == 1  # the marker, and not B past A
        await tx_a.commit()
    assert await wait_for_checkpoint(pool, name, 3) == 3
    streams = by_stream(await read_topic(settings.kafka_bootstrap_servers, topic))
    assert streams == {marker: [1], early: [1], late: [1]}


async def checkpoint_now(pool: asyncpg.Pool) -> str:
    """A relay name whose checkpoint is the end of the store now: it publishes only what a test
    writes after this (and the bounds a test asserts count only its own events)."""
    name = f"relay-{uuid.uuid4()}"
    await pool.execute(
        "INSERT INTO vault.relay_checkpoints (relay_name, tx_id, global_position) "
        "SELECT $1, coalesce(max(tx_id::text::bigint), 0), coalesce(max(global_position), 0) "
        "FROM vault.events",
        name,
    )
    return name


async def test_relay_killed_mid_batch_resumes_without_loss(
    commands: ProfileCommands,
    settings: Settings,
    pool: asyncpg.Pool,
    topic: str,
    process_env: dict[str, str],
) -> None:
    # Only this test's events are published (the checkpoint starts at the store's end), so the
    # redelivery bound below counts nothing but them.
    name = await checkpoint_now(pool)
    expected = await create_profiles(commands, count=200, updates=9)
    total = sum(expected.values())
    env = {
        **process_env,
        "VAULT_PROFILE_EVENTS_TOPIC": topic,
        "VAULT_RELAY_NAME": name,
        "VAULT_RELAY_BATCH_SIZE": "20",
        "VAULT_METRICS_PORT": "0",
    }
    cmd = [sys.executable, "-m", "service", "relay"]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Killed at its first checkpoint, without any chance to clean up: the relay woken by
        # NOTIFY publishes thousands of events a second, so any wait could let it finish.
        published = await wait_for_checkpoint(pool, name, 1, interval=0.002)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.wait(timeout=10)
    published = await wait_for_checkpoint(pool, name, 0)
    assert published < total, "the relay finished before it could be killed; use more events"

    second = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await wait_for_checkpoint(pool, name, total)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    records = await read_topic(settings.kafka_bootstrap_servers, topic)
    duplicates = assert_complete_and_ordered(expected, records)
    # Everything published exactly once but for a redelivery bounded by what was in flight when
    # killed (at most the unacknowledged batch and the one after it).
    assert len(records) - duplicates == total
    assert duplicates <= 20 * 2


async def test_second_relay_waits_as_standby_and_takes_over(
    commands: ProfileCommands, relay_runner, settings: Settings, pool: asyncpg.Pool, topic: str
) -> None:
    name = await checkpoint_now(pool)
    leader = relay_runner(topic, name)
    await wait_until(lambda: leader.is_leader)
    standby = relay_runner(topic, name)
    await wait_until(lambda: standby.health.error is None)
    assert leader.is_leader and not standby.is_leader
    holder = await lock_holder(pool, name)
    assert holder is not None
    # Stop the leader's connection the hard way: terminate its backend. The standby takes over.
    killed = await pool.fetch("SELECT pg_terminate_backend($1) AS killed", holder)
    assert [r["killed"] for r in killed] == [True]
    expected = await create_profiles(commands, count=5, updates=1)
    await wait_for_checkpoint(pool, name, sum(expected.values()))
    # Published by a relay on a new connection: the lock moved off the killed backend, and only one
    # of the two believes it leads.
    assert await lock_holder(pool, name) not in (None, holder)
    assert not await pool.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", holder)
    assert [leader.is_leader, standby.is_leader].count(True) == 1
    records = await read_topic(settings.kafka_bootstrap_servers, topic)
    assert_complete_and_ordered(expected, records)
