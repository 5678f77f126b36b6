"""Fixtures of the fault tests: PostgreSQL and Kafka of their own, which they may kill and freeze."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import asyncpg
import pytest

from service.admin.migrations import migrate
from service.settings import Settings
from tests.faults.servers import OwnServers


@pytest.fixture(scope="session")
def own_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServers]:
    servers = OwnServers(tmp_path_factory.mktemp("fault-servers"))
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
async def own_settings(settings: Settings, own_servers: OwnServers) -> Settings:
    await migrate(own_servers.database_url)
    return replace(
        settings,
        database_url=own_servers.database_url,
        kafka_bootstrap_servers=own_servers.bootstrap_servers,
    )


@pytest.fixture
async def own_pool(own_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(own_settings.database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()
