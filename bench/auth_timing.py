"""Median cost of a failed authentication: unknown id vs known id with a wrong secret.

    DATABASE_URL=postgresql://… python -m bench.auth_timing [samples]

Measured on the vault's merchant keys (``service.api.auth.Authenticator``) and on the token
service's clients (``service.tokens.clients.ClientAuthenticator``) over a real pool, both on the
first lookup of an id (database path) and on repeated lookups (cache path); the two failures must
cost the same.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial

import asyncpg

from infra.throttle import FailureLimiter
from infra.transport_settings import AuthSettings
from service.api.auth import Authenticator, create_merchant, issue_api_key
from service.tokens.clients import ClientAuthenticator, create_client

WRONG = "B-" + "x" * 43  # as long as a real secret
UNLIMITED = AuthSettings(max_failures_per_source=0, max_failures_per_key=0)


async def _medians(
    a: list[Callable[[], Awaitable[object]]], b: list[Callable[[], Awaitable[object]]]
) -> tuple[float, float]:
    """Median µs of the calls of ``a`` and of ``b``, interleaved so drift hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for pair in zip(a, b, strict=True):
        for side, call in enumerate(pair):
            started = time.perf_counter()
            assert await call() is None
            times[side].append((time.perf_counter() - started) * 1e6)
    return statistics.median(times[0]), statistics.median(times[1])


async def _report(
    label: str, authenticate: Callable[[str, str], Awaitable[object]], known: list[str], prefix: str
) -> None:
    unknown = [f"{prefix}-{uuid.uuid4().hex[:16]}" for _ in known]
    for name in ("first lookup", "cached"):
        unknown_us, wrong_us = await _medians(
            [partial(authenticate, k, WRONG) for k in unknown],
            [partial(authenticate, k, WRONG) for k in known],
        )
        print(
            f"{label:8} {name:13} unknown id {unknown_us:7.1f} µs, wrong secret {wrong_us:7.1f} µs"
        )


async def main(samples: int) -> None:
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=2)
    merchant = await create_merchant(pool, f"timing-{uuid.uuid4()}")
    keys = [(await issue_api_key(pool, merchant, "server")).key_id for _ in range(samples)]
    auth = Authenticator(pool, ttl=600, limiter=FailureLimiter("timing", UNLIMITED))
    await _report("api key", auth.authenticate, keys, "key")
    clients = [
        (await create_client(pool, "timing", ["tokenize"], merchants=[merchant])).client_id
        for _ in range(samples)
    ]
    await _report("client", ClientAuthenticator(pool, ttl=600).authenticate, clients, "tsc")
    await pool.execute("DELETE FROM vault.api_keys WHERE merchant_id = $1", merchant)
    for table in ("service_client_merchants", "service_clients"):
        await pool.execute(f"DELETE FROM tokens.{table} WHERE client_id = ANY($1)", clients)
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
