"""The generated boundary suite (tests/boundary.py) over the vault API's own OpenAPI document, on
the real processes: every parameter and every string field of every operation with a NUL, a lone
surrogate, invalid UTF-8, a control character and an over-long value, every date-time with the
extremes of its range. Each answer is a 4xx Paysafe JSON error (the boundary's own refusals name
the field), and not one row is stored."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests import boundary
from tests.processes import Stack
from tests.security import rawhttp


@pytest.mark.timeout(300)
async def test_no_unstorable_value_reaches_the_vault_database(
    stack: Stack, pool: asyncpg.Pool
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{stack.api_url}/customervault/v1/openapi.json") as reply,
    ):
        doc = await reply.json()
    # A real profile, so that the operations on its addresses, cards and accounts reach the
    # body's decoding instead of stopping at an unknown profile.
    server = aiohttp.encode_basic_auth(stack.merchant.key_id, stack.merchant.secret)
    single_use = aiohttp.encode_basic_auth(stack.sut_key.key_id, stack.sut_key.secret)
    async with (
        aiohttp.ClientSession(headers={"Authorization": server}) as session,
        session.post(
            f"{stack.api_url}/customervault/v1/profiles",
            json={"merchantCustomerId": f"boundary-{uuid.uuid4()}", "locale": "en_US"},
        ) as reply,
    ):
        assert reply.status == 201, await reply.text()
        profile = (await reply.json())["id"]
    schemes = {
        (m, t): {name for s in op.get("security", []) for name in s}
        for m, t, op in boundary.Document(doc).operations()
    }

    def credentials(case: boundary.Case) -> str:
        found = schemes[(case.method, case.template)]
        return single_use if found == {"singleUseTokenAuth"} else server

    def values(name: str, schema: dict[str, Any]) -> str:
        return profile if name == "profileId" else boundary.plain_string(name, schema)

    target = boundary.Target(
        host=rawhttp.address(stack.api_url)[0], credentials=credentials, values=values
    )
    cases = list(boundary.cases(doc))
    assert {c.where for c in cases} >= {"path", "query", "header", "body"}
    # The profile's projections settle first: their rows are not the cases' doing.
    before = await _settled(pool)
    failures = []
    for case in cases:
        reply = await rawhttp.send(stack.api_url, boundary.request_bytes(doc, case, target))
        failures += [f"{case}: {p}" for p in boundary.refusal_problems(
            case, reply.status, reply.headers, reply.body
        )]  # fmt: skip
    assert failures == [], f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures[:80])
    assert boundary.grown(before, await boundary.row_counts(pool)) == {}
    print(f"vault API: {len(cases)} cases", Counter(c.kind for c in cases))


async def _settled(pool: asyncpg.Pool) -> dict[str, int]:
    counts = await boundary.row_counts(pool)
    for _ in range(60):
        await asyncio.sleep(0.5)
        again = await boundary.row_counts(pool)
        if again == counts and again.get("vault.customer_search"):
            return again
        counts = again
    raise AssertionError("the projections did not settle")
