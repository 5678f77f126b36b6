"""VAULT_RELAY_START: where a relay name without a checkpoint starts. ``beginning`` publishes the
whole history; ``head`` only what commits from its first start on, without skipping a transaction
that was open when it started; a name with a checkpoint resumes from it either way."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import msgspec
import pytest

from events.codec import EventCodec
from events.crypto import Keyring
from events.envelope import KafkaEnvelope
from events.relay import Relay, RelaySettings
from events.store import PostgresEventStore
from events.types import ProfileDeleted
from service.settings import Settings
from tests.processes import relayed_everything
from tests.support import read_topic, wait_until

_codec = EventCodec()
_store = PostgresEventStore()


async def append(conn: asyncpg.Connection | asyncpg.Pool) -> str:
    """One event on a new stream; returns the stream id."""
    profile_id = uuid.uuid4()
    stream = f"profile-{profile_id}"
    event = _codec.encode(
        ProfileDeleted(profile_id=profile_id),
        subject_id=profile_id,
        data_key=next(iter(Keyring.generate().keys.values())),
        metadata={"merchantId": str(uuid.uuid4())},
    )
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as own:
            await _store.append(own, stream, 0, [event])
    else:
        await _store.append(conn, stream, 0, [event])
    return stream


async def streams_on(settings: Settings, topic: str) -> list[str]:
    records = await read_topic(settings.kafka_bootstrap_servers, topic)
    return sorted(msgspec.json.decode(r.value, type=KafkaEnvelope).stream_id for r in records)


async def published(pool: asyncpg.Pool, name: str) -> int:
    count = await pool.fetchval(
        "SELECT events_published FROM vault.relay_checkpoints WHERE relay_name = $1", name
    )
    return int(count)


Halt = Callable[[], Awaitable[None]]


async def checkpointed(pool: asyncpg.Pool, name: str) -> bool:
    """The relay ``name`` has run: its checkpoint exists (at the head, if it started there)."""
    query = "SELECT count(*) FROM vault.relay_checkpoints WHERE relay_name = $1"
    return bool(await pool.fetchval(query, name))


@pytest.fixture
async def run_relay(settings: Settings) -> AsyncIterator[Callable[..., Halt]]:
    """Start an in-process relay; returns what stops it and waits until it has stopped (every
    relay still running is stopped at the end)."""
    running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    def start(topic: str, name: str, start: str) -> Halt:
        relay = Relay(
            RelaySettings(
                settings.database_url,
                settings.kafka_bootstrap_servers,
                topic,
                name,
                start=start,  # type: ignore[arg-type]
            )
        )
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        running.append((stop, task))

        async def halt() -> None:
            stop.set()
            await task

        return halt

    yield start
    for stop, _ in running:
        stop.set()
    await asyncio.gather(*(task for _, task in running))


async def test_a_new_name_starting_at_the_beginning_publishes_the_whole_history(
    pool: asyncpg.Pool, settings: Settings, topic: str, run_relay: Callable[..., Halt]
) -> None:
    history = await append(pool)
    name = f"relay-{uuid.uuid4()}"
    run_relay(topic, name, "beginning")
    later = await append(pool)
    await wait_until(lambda: relayed_everything(pool, name), timeout=60)
    # Every event of the store, the ones stored before the relay first ran included.
    assert await published(pool, name) == await pool.fetchval("SELECT count(*) FROM vault.events")
    on_topic = await streams_on(settings, topic)
    assert {history, later} <= set(on_topic)


async def test_a_new_name_starting_at_the_head_publishes_what_commits_from_then_on(
    pool: asyncpg.Pool, settings: Settings, topic: str, process_env: dict[str, str]
) -> None:
    history = await append(pool)
    name = f"relay-{uuid.uuid4()}"
    env = {
        **process_env,
        "VAULT_PROFILE_EVENTS_TOPIC": topic,
        "VAULT_RELAY_NAME": name,
        "VAULT_RELAY_START": "head",
        "VAULT_METRICS_PORT": "0",
    }
    async with pool.acquire() as open_before:
        # A transaction that appended before the relay first ran but commits after: not history.
        pending = open_before.transaction()
        await pending.start()
        late = await append(open_before)
        relay = subprocess.Popen(
            [sys.executable, "-m", "service", "relay"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await wait_until(lambda: checkpointed(pool, name), timeout=30)
            after = await append(pool)
            await pending.commit()
            await wait_until(lambda: relayed_everything(pool, name), timeout=30)
        finally:
            relay.terminate()
            assert relay.wait(timeout=30) == 0
    assert await streams_on(settings, topic) == sorted([late, after])
    assert history not in await streams_on(settings, topic)
    assert await published(pool, name) == 2


async def test_a_name_with_a_checkpoint_resumes_from_it_whatever_the_start(
    pool: asyncpg.Pool, settings: Settings, topic: str, run_relay: Callable[..., Halt]
) -> None:
    name = f"relay-{uuid.uuid4()}"
    halt = run_relay(topic, name, "head")
    await wait_until(lambda: checkpointed(pool, name), timeout=30)
    first = await append(pool)
    await wait_until(lambda: relayed_everything(pool, name), timeout=30)
    await halt()
    # Written while no relay runs: the next start resumes from the checkpoint, not from the head.
    while_down = await append(pool)
    run_relay(topic, name, "head")
    await wait_until(lambda: relayed_everything(pool, name), timeout=30)
    assert await streams_on(settings, topic) == sorted([first, while_down])
    assert await published(pool, name) == 2
