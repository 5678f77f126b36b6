"""Fixtures for driving the relay and the projector in-process against the test stack."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from events.codec import EventCodec
from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.relay import Relay, RelaySettings
from projections.rows import Projection
from projections.runners.decoding import EventDecoder
from projections.runners.projector import Projector, ProjectorSettings
from service.settings import Settings
from tests.support import wait_until


@pytest.fixture
def decoder(keyring: Keyring) -> EventDecoder:
    return EventDecoder(EventCodec(), PersonalDataKeys(keyring))


@pytest.fixture
async def background(settings: Settings) -> AsyncIterator[Callable]:
    """Start relays/projectors as tasks; all are stopped gracefully at the end of the test."""
    running: list[tuple[asyncio.Event, asyncio.Task]] = []

    def start(loop: Callable) -> None:
        stop = asyncio.Event()
        running.append((stop, asyncio.create_task(loop(stop))))

    yield start
    for stop, _ in running:
        stop.set()
    await asyncio.gather(*(task for _, task in running))


@pytest.fixture
def start_relay(
    background: Callable, settings: Settings, pool: asyncpg.Pool
) -> Callable[..., Awaitable[str]]:
    """Start a relay to ``topic``; with ``from_now`` it skips the history earlier tests wrote
    (the store is shared), so a test waits only for its own events."""

    async def start(topic: str, *, from_now: bool = False) -> str:
        name = f"relay-{uuid.uuid4()}"
        if from_now:
            await pool.execute(
                "INSERT INTO vault.relay_checkpoints (relay_name, tx_id, global_position) "
                "SELECT $1, coalesce(max(tx_id::text::bigint), 0), coalesce(max(global_position), 0) "
                "FROM vault.events",
                name,
            )
        relay = Relay(
            RelaySettings(settings.database_url, settings.kafka_bootstrap_servers, topic, name)
        )
        background(relay.run)
        return name

    return start


@pytest.fixture
def start_projector(
    background: Callable, settings: Settings, pool: asyncpg.Pool, decoder: EventDecoder
) -> Callable[[str, Projection], Projector]:
    def start(topic: str, projection: Projection) -> Projector:
        projector = Projector(
            ProjectorSettings(
                settings.kafka_bootstrap_servers, topic, group_prefix=f"test-{uuid.uuid4()}"
            ),
            pool,
            projection,
            decoder,
        )
        background(projector.run)
        return projector

    return start


__all__ = ["wait_until"]  # kept importable from here for modules not yet moved to tests.support
