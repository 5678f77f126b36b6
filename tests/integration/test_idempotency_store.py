"""Idempotency claims on PostgreSQL: a lease that ran out is taken over, and the old owner can no
longer commit anything under the key."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from service.adapters.idempotency_store import PostgresIdempotency
from service.application.idempotency import (
    Claim,
    ClaimLost,
    KeyReused,
    RecordedResponse,
    RequestInFlight,
)


async def test_a_lapsed_claim_is_taken_over_and_its_old_owner_commits_nothing(
    pool: asyncpg.Pool,
) -> None:
    store = PostgresIdempotency(pool, lease_seconds=30, retention_seconds=86_400)
    merchant, key = uuid.uuid4(), f"k-{uuid.uuid4()}"
    first = Claim.new(merchant, key, b"same request")
    assert await store.claim(first) is None
    with pytest.raises(RequestInFlight):
        await store.claim(Claim.new(merchant, key, b"same request"))
    with pytest.raises(KeyReused):
        await store.claim(Claim.new(merchant, key, b"another request"))

    # The first owner's process is gone: its lease runs out.
    await pool.execute(
        "UPDATE vault.idempotency_keys SET lease_until = now() - interval '1 second'"
        " WHERE merchant_id = $1 AND idempotency_key = $2",
        merchant,
        key,
    )
    with pytest.raises(KeyReused):  # a lapsed claim goes only to the same request
        await store.claim(Claim.new(merchant, key, b"another request"))
    second = Claim.new(merchant, key, b"same request")
    assert await store.claim(second) is None

    stale = store.unit_of_work(first)
    # What the stale owner's command wrote in its transaction (any row that commits with it).
    conn = await stale.connection()
    await conn.execute(
        "INSERT INTO vault.merchant_customer_ids VALUES ($1, 'stale', $2)", merchant, uuid.uuid4()
    )
    with pytest.raises(ClaimLost):
        await stale.commit(RecordedResponse(status=201, headers={}, body=b"stale"))
    assert not await pool.fetchval(
        "SELECT 1 FROM vault.merchant_customer_ids WHERE merchant_id = $1", merchant
    )

    answer = RecordedResponse(status=201, headers={"Location": "/p/1"}, body=b'{"id":"1"}')
    await store.unit_of_work(second).commit(answer)
    assert await store.claim(Claim.new(merchant, key, b"same request")) == answer
