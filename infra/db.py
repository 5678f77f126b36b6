"""The asyncpg pool every process uses, with the session settings the event store relies on."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, kw_only=True)
class PoolSettings:
    url: str
    min_size: int = 2
    max_size: int = 20
    idle_in_transaction_timeout_ms: int = 10_000
    statement_timeout_ms: int = 10_000
    application_name: str = "customer-vault"


async def keep_session(connection: asyncpg.Connection) -> None:
    """asyncpg's pool resets every connection it gets back (RESET ALL, UNLISTEN, advisory unlock):
    one more round trip per request, about 7% of the API's CPU in the benchmarks. The vault's pooled
    connections never hold session state: settings are SET LOCAL, no LISTEN, no session advisory
    locks (the relay, the audit publisher and migrations use connections of their own), and
    transactions always end in their ``async with``. So there is nothing to reset."""


async def create_pool(settings: PoolSettings, *, max_size: int | None = None) -> asyncpg.Pool:
    size = max_size or settings.max_size
    pool = await asyncpg.create_pool(
        settings.url,
        min_size=min(settings.min_size, size),
        max_size=size,
        server_settings={
            # A transaction left open holds back the xmin horizon, and with it the relay: cap it.
            "idle_in_transaction_session_timeout": str(settings.idle_in_transaction_timeout_ms),
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": settings.application_name,
        },
        reset=keep_session,
    )
    assert pool is not None
    return pool
