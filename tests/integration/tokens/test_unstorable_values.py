"""The generated boundary suite (tests/boundary.py) over the token service's own OpenAPI document:
every parameter and every string field of every operation with a NUL, a lone surrogate, invalid
UTF-8, a control character and an over-long value, every date-time with the extremes of its
range. Each answer is a 4xx Paysafe JSON error (the boundary's own refusals name the field), and
nothing is stored but the audit rows of refused resolves."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests import boundary
from tests.integration.tokens.conftest import TokenService
from tests.security import rawhttp

# A refused resolve is audited (the ledger shows every attempt): those rows are expected.
AUDITED = {"tokens.audit_outbox", "tokens.access_ledger"}


@pytest.mark.timeout(240)
async def test_no_unstorable_value_reaches_the_token_database(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    merchant = uuid.uuid4()
    client = await token_service.client(
        "tokenize", "detokenize", "keys", "reconcile", "audit", merchants=(merchant,)
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{token_service.url}/tokens/v1/openapi.json") as reply,
    ):
        doc = await reply.json()
    basic = aiohttp.encode_basic_auth(client.client_id, client.secret)

    def values(name: str, schema: dict[str, Any]) -> str:
        return str(merchant) if name == "merchantId" else boundary.plain_string(name, schema)

    target = boundary.Target(
        host=rawhttp.address(token_service.url)[0], credentials=lambda _: basic, values=values
    )
    cases = list(boundary.cases(doc))
    assert {c.kind for c in cases} >= {
        "nul",
        "lone-surrogate",
        "invalid-utf8",
        "control",
        "instant",
    }
    before = await boundary.row_counts(pool)
    failures = []
    for case in cases:
        reply = await rawhttp.send(token_service.url, boundary.request_bytes(doc, case, target))
        failures += [f"{case}: {p}" for p in boundary.refusal_problems(
            case, reply.status, reply.headers, reply.body
        )]  # fmt: skip
    assert failures == [], f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures[:60])
    grown = boundary.grown(before, await boundary.row_counts(pool))
    assert set(grown) <= AUDITED, grown
    print(f"token service: {len(cases)} cases", Counter(c.kind for c in cases))
