"""The asyncpg pool every process uses, with the session settings the event store relies on."""

from __future__ import annotations

import asyncpg

from service.config import Settings


async def create_pool(settings: Settings, *, max_size: int | None = None) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        settings.database_url,
        min_size=min(settings.db_pool_min, max_size or settings.db_pool_max),
        max_size=max_size or settings.db_pool_max,
        server_settings={
            # A transaction left open holds back the xmin horizon, and with it the relay: cap it.
            "idle_in_transaction_session_timeout": str(settings.idle_in_transaction_timeout_ms),
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": "customer-vault",
        },
    )
    assert pool is not None
    return pool
