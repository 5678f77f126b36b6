"""The relay lag metric sees a stall: with the (own) Kafka broker frozen by SIGSTOP it grows while
events wait, and falls back once the broker is resumed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import asyncpg
import pytest
from prometheus_client import REGISTRY

from events.crypto import Keyring
from events.relay import Relay, RelaySettings
from events.topics import ensure_topic
from service.api.app import create_app
from service.api.auth import create_merchant, issue_api_key
from service.settings import Settings
from tests.conftest import serve
from tests.faults.servers import OwnServers
from tests.support import VaultClient

pytestmark = pytest.mark.integration


def relay_lag() -> float:
    return REGISTRY.get_sample_value("vault_relay_lag_seconds") or 0.0


async def until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> float:
    """Waits for ``condition``; returns how long it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"timed out waiting until {what}"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_relay_lag_grows_while_kafka_is_frozen_and_falls_after(
    own_servers: OwnServers, own_settings: Settings, own_pool: asyncpg.Pool, keyring: Keyring
) -> None:
    topic = f"lag.profile-events.{uuid.uuid4().hex[:8]}"
    await ensure_topic(own_servers.bootstrap_servers, topic, partitions=1, replication_factor=1)
    relay = Relay(
        RelaySettings(
            database_url=own_servers.database_url,
            bootstrap_servers=own_servers.bootstrap_servers,
            topic=topic,
            name=topic,
            lag_sample_seconds=0.5,
        )
    )
    key = await issue_api_key(own_pool, await create_merchant(own_pool, "lag"), "server")
    runner, url = await serve(create_app(own_settings, keyring))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(relay.sample_lag(stop))]
    try:
        async with VaultClient(url, key) as client:
            await client.create_profile()
            await until(lambda: relay.health.error is None and relay_lag() < 1.0, "relay caught up")
            own_servers.kafka_freeze()
            try:
                for _ in range(3):
                    await client.create_profile()
                # Nothing can be published: the lag is the age of the first stuck event, growing.
                await until(lambda: relay_lag() > 4.0, "the lag shows the stall", timeout=30)
                frozen_at = relay_lag()
                await until(lambda: relay_lag() > frozen_at + 1.0, "the lag keeps growing")
            finally:
                own_servers.kafka_thaw()
            await until(lambda: relay_lag() < 1.0, "the lag falls after the broker resumes")
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        await runner.cleanup()
