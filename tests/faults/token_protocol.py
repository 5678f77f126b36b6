"""The token protocol's part of the fault suite (docs/crash-safety.md): the crash between
"tokenized" and "appended", and after every fault the orphan and dangling counts once the grace
window passed (both must be 0).

The counts are computed here, independently of the reconciler under test: the token service's
live records (its listing, with the vault API's `reconcile` client) against the rows of the
vault's inline views, read straight from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import aiohttp
import asyncpg

from service.adapters.token_service import TokenClient
from tests.faults.checks import EXTRA_CHECKS, Findings
from tests.processes import Stack

# Small windows so a fault's orphans are gone within seconds; consistent with the configuration
# check (grace > deadline + token-service timeout + statement timeout).
GRACE_SECONDS = 8.5
INTERVAL_SECONDS = 0.5
PROTOCOL_ENV = {
    "VAULT_TOKENIZE_DEADLINE_SECONDS": "1",
    "VAULT_TOKENS_TIMEOUT_SECONDS": "2",
    "VAULT_STATEMENT_TIMEOUT_MS": "5000",
    "VAULT_TOKEN_RECONCILE_GRACE_SECONDS": str(GRACE_SECONDS),
    "VAULT_TOKEN_RECONCILE_INTERVAL_SECONDS": str(INTERVAL_SECONDS),
}
# The orphans a fault is known to have made (the crash between tokenized and appended): the
# reconciler may destroy them before the check runs, and they must count as destroyed then.
made_orphans: set[str] = set()
_REFERENCES = """
SELECT payment_token FROM vault.card_view WHERE merchant_id = $1
UNION ALL SELECT payment_token FROM vault.bank_account_view WHERE merchant_id = $1
UNION ALL SELECT payment_token FROM vault.mandate_view WHERE merchant_id = $1
"""


def _client(stack: Stack) -> TokenClient:
    env = stack.base_env
    return TokenClient(
        stack.tokens_url, env["VAULT_TOKENS_CLIENT_ID"], env["VAULT_TOKENS_CLIENT_SECRET"]
    )


async def live_tokens(stack: Stack) -> set[str]:
    client = _client(stack)
    await client.start()
    try:
        merchant = uuid.UUID(str(stack.merchant.merchant_id))
        found: set[str] = set()
        after: str | None = ""
        while after is not None:
            page = await client.live_page(merchant, after, 1000)
            found |= {r.token for r in page.records}
            after = page.next_after
        return found
    finally:
        await client.close()


async def referenced(stack: Stack, pool: asyncpg.Pool) -> set[str]:
    rows = await pool.fetch(_REFERENCES, uuid.UUID(str(stack.merchant.merchant_id)))
    return {r["payment_token"] for r in rows}


async def tokens_reconciled(stack: Stack, pool: asyncpg.Pool) -> Findings:
    """With the load paused: every live record no instrument references now must be gone once
    the grace window and a few reconciler passes went by; every instrument's token is live."""
    live, refs = await live_tokens(stack), await referenced(stack, pool)
    unreferenced = (live | made_orphans) - refs
    made_orphans.clear()
    if unreferenced:
        # The grace is a time: the orphans of this fault may be younger than it.
        until = time.monotonic() + GRACE_SECONDS + 4 * INTERVAL_SECONDS + 2
        while time.monotonic() < until and unreferenced & await live_tokens(stack):
            await asyncio.sleep(INTERVAL_SECONDS)
        live, refs = await live_tokens(stack), await referenced(stack, pool)
    orphans = (unreferenced & live) - refs
    dangling = refs - live
    return Findings(
        figures={
            "orphans destroyed": len(unreferenced - live),
            "orphans": len(orphans),
            "dangling": len(dangling),
        },
        problems=[f"orphan token {t} survived the grace window" for t in sorted(orphans)[:5]]
        + [f"dangling token {t}" for t in sorted(dangling)[:5]],
    )


EXTRA_CHECKS.append(tokens_reconciled)


async def crash_between_tokenized_and_appended(
    stack: Stack, database_url: str, timeout: float = 60
) -> None:
    """Appends blocked (EXCLUSIVE on the events table: reads go on, inserts wait) while an AddCard
    of our own is under way (the load's workers may all be waiting in a profile create, which
    tokenizes nothing); once the token service holds a record the vault has not stored, kill -9
    the API."""
    conn = await asyncpg.connect(database_url)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    auth = {
        "Authorization": aiohttp.encode_basic_auth(stack.merchant.key_id, stack.merchant.secret)
    }
    profiles = f"{stack.api_url}/customervault/v1/profiles"
    try:
        async with aiohttp.ClientSession(headers=auth) as session:
            body = {"merchantCustomerId": f"crash-{uuid.uuid4()}", "locale": "en_US"}
            async with session.post(profiles, json=body) as created:
                assert created.status == 201, await created.text()
                profile_id = (await created.json())["id"]
            before = await live_tokens(stack)
            async with conn.transaction():
                await conn.execute("LOCK TABLE vault.events IN EXCLUSIVE MODE")
                card = {"cardNum": "4111111111111111", "cardExpiry": {"month": 1, "year": 2041}}
                adding = asyncio.create_task(
                    session.post(f"{profiles}/{profile_id}/cards", json=card)
                )
                deadline = time.monotonic() + timeout
                while not (await live_tokens(stack) - before - await referenced(stack, pool)):
                    assert time.monotonic() < deadline, "the API tokenized nothing while blocked"
                    await asyncio.sleep(0.05)
                stack.processes["api"].kill()
                # Killed inside the blocked appends: whatever it tokenized since is an orphan.
                made_orphans.update(await live_tokens(stack) - before)
                with contextlib.suppress(aiohttp.ClientError):
                    (await adding).release()
    finally:
        await pool.close()
        await conn.close()
    stack.processes["api"].start()
