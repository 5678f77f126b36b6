"""Idempotency-Key over HTTP against the real PostgreSQL: replays, reuse, refusals, races."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from typing import Any

import asyncpg

from service.api.auth import IssuedKey
from tests.support import Reply, VaultClient

V1 = "/customervault/v1"
VISA = "4111111111111111"
MASTERCARD = "5200400000000009"
EXPIRY = {"month": 12, "year": 2050}


class Ledger:
    """What a merchant's commands left behind: its events and its token records (live, destroyed)."""

    def __init__(self, pool: asyncpg.Pool, merchant_id: uuid.UUID) -> None:
        self.pool = pool
        self.merchant_id = merchant_id

    async def snapshot(self) -> tuple[int, int, int]:
        events = await self.pool.fetchval(
            "SELECT count(*) FROM vault.events WHERE metadata->>'merchantId' = $1",
            str(self.merchant_id),
        )
        tokens = await self.pool.fetchrow(
            "SELECT count(*) AS made, count(deleted_at) AS destroyed FROM tokens.instruments"
            " WHERE merchant_id = $1",
            self.merchant_id,
        )
        return int(events), int(tokens["made"]), int(tokens["destroyed"])


def new_profile(locale: str = "en_US") -> dict[str, str]:
    return {"merchantCustomerId": str(uuid.uuid4()), "locale": locale}


def keyed() -> dict[str, str]:
    return {"Idempotency-Key": f"test-{uuid.uuid4()}"}


async def once_then_replayed(
    client: VaultClient, ledger: Ledger, method: str, path: str, body: Any = None
) -> Reply:
    """Send a command with a new key, then again with the same key: the replay must be the same
    answer byte for byte, marked as replayed, and leave no event or token behind."""
    headers = keyed()
    first = await client.request(method, path, body, headers=headers)
    assert first.status < 300, (method, path, first.text)
    assert "Idempotent-Replayed" not in first.headers
    after_first = await ledger.snapshot()
    again = await client.request(method, path, body, headers=headers)
    assert (again.status, again.text) == (first.status, first.text), (method, path)
    assert again.headers.get("Location") == first.headers.get("Location")
    assert again.headers.get("Content-Type") == first.headers.get("Content-Type")
    assert again.headers.get("Content-Length") == first.headers.get("Content-Length")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await ledger.snapshot() == after_first, (method, path)
    return first


async def test_every_command_is_applied_once_and_replayed(
    client: VaultClient, sut_client: VaultClient, merchant_key: IssuedKey, pool: asyncpg.Pool
) -> None:
    ledger = Ledger(pool, merchant_key.merchant_id)
    replay = lambda method, path, body=None: once_then_replayed(  # noqa: E731
        client, ledger, method, path, body
    )
    created = await replay(
        "POST", f"{V1}/profiles", {"merchantCustomerId": "idem-1", "locale": "en_US"}
    )
    pid = created.json["id"]
    profile = f"{V1}/profiles/{pid}"
    with_card = await replay(
        "POST",
        f"{V1}/profiles",
        {
            "merchantCustomerId": "idem-2",
            "locale": "en_US",
            "card": {"cardNum": VISA, "cardExpiry": EXPIRY},
        },
    )
    assert len(with_card.json["cards"]) == 1
    await replay(
        "PUT", profile, {"merchantCustomerId": "idem-1", "locale": "en_US", "firstName": "Jane"}
    )
    address = await replay("POST", f"{profile}/addresses", {"country": "GB", "zip": "SW1A 1AA"})
    aid = address.json["id"]
    await replay("PUT", f"{profile}/addresses/{aid}", {"country": "GB", "zip": "EC1A 1BB"})
    card = await replay("POST", f"{profile}/cards", {"cardNum": MASTERCARD, "cardExpiry": EXPIRY})
    cid = card.json["id"]
    await replay("PUT", f"{profile}/cards/{cid}", {"cardExpiry": {"month": 1, "year": 2051}})
    await replay("DELETE", f"{profile}/cards/{cid}")
    accounts = {
        "ach": {
            "accountNumber": "9876543",
            "routingNumber": "123456789",
            "accountType": "CHECKING",
        },
        "eft": {"accountNumber": "7654321", "transitNumber": "25039", "institutionId": "001"},
        "bacs": {"accountNumber": "55779911", "sortCode": "207405"},
        "sepa": {"iban": "DE89370400440532013000", "bic": "ABNANL2A"},
    }
    for kind, fields in accounts.items():
        base = f"{profile}/{kind}bankaccounts"
        body = {"accountHolderName": "Jane Doe", "billingAddressId": aid, **fields}
        account = await replay("POST", base, body)
        bid = account.json["id"]
        await replay("PUT", f"{base}/{bid}", {**body, "nickName": "savings"})
        if kind in ("bacs", "sepa"):
            mandate = await replay(
                "POST", f"{base}/{bid}/mandates", {"reference": f"REF{kind.upper()}1"}
            )
            mid = mandate.json["id"]
            await replay("PUT", f"{profile}/mandates/{mid}", {"status": "CANCELLED"})
            await replay("DELETE", f"{profile}/mandates/{mid}")
        await replay("DELETE", f"{base}/{bid}")
    await replay("DELETE", f"{profile}/addresses/{aid}")
    await replay("DELETE", profile)
    sut = {"card": {"cardNum": VISA, "cardExpiry": EXPIRY, "cvv": 123}}
    await once_then_replayed(sut_client, ledger, "POST", f"{V1}/singleusetokens", sut)


async def test_a_key_names_one_request(client: VaultClient, pool: asyncpg.Pool) -> None:
    headers, body = keyed(), new_profile()
    first = await client.request("POST", f"{V1}/profiles", body, headers=headers)
    assert first.status == 201
    other_body = await client.request(
        "POST", f"{V1}/profiles", {**body, "locale": "en_GB"}, headers=headers
    )
    assert (other_body.status, other_body.code) == (422, "7597")
    assert other_body.json["error"]["code"] == "7597"
    other_path = await client.request(
        "PUT", f"{V1}/profiles/{first.json['id']}", {"locale": "en_US"}, headers=headers
    )
    assert (other_path.status, other_path.code) == (422, "7597")


async def test_a_refused_request_is_not_remembered(client: VaultClient) -> None:
    headers = keyed()
    refused = await client.request("POST", f"{V1}/profiles", new_profile("xx_XX"), headers=headers)
    assert (refused.status, refused.code) == (400, "5068")
    fixed = await client.request("POST", f"{V1}/profiles", new_profile(), headers=headers)
    assert fixed.status == 201 and "Idempotent-Replayed" not in fixed.headers


async def test_keys_are_merchant_scoped_and_checked(
    client: VaultClient, other_client: VaultClient
) -> None:
    headers, body = keyed(), new_profile()
    mine = await client.request("POST", f"{V1}/profiles", body, headers=headers)
    theirs = await other_client.request("POST", f"{V1}/profiles", body, headers=headers)
    assert (mine.status, theirs.status) == (201, 201)
    assert mine.json["id"] != theirs.json["id"]
    for bad in ("", "x" * 256, "naïve", "tab\there"):
        reply = await client.request("POST", f"{V1}/profiles", {}, headers={"Idempotency-Key": bad})
        assert (reply.status, reply.code) == (400, "5068"), bad
        assert reply.json["error"]["fieldErrors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_duplicates_apply_once(
    api_url: str, merchant_key: IssuedKey, pool: asyncpg.Pool
) -> None:
    ledger = Ledger(pool, merchant_key.merchant_id)
    headers = keyed()
    body = {
        "merchantCustomerId": "race",
        "locale": "en_US",
        "card": {"cardNum": VISA, "cardExpiry": EXPIRY},
    }
    clients = [VaultClient(api_url, merchant_key) for _ in range(4)]
    for c in clients:
        await c.__aenter__()
    try:
        replies = await asyncio.gather(
            *(c.request("POST", f"{V1}/profiles", body, headers=headers) for c in clients)
        )
        applied = [r for r in replies if r.status == 201]
        assert len(applied) >= 1, [(r.status, r.text[:300]) for r in replies]
        assert {r.text for r in applied} == {applied[0].text}
        assert {(r.status, r.code) for r in replies} <= {(201, None), (409, "7598")}
        # The stragglers retry and get the same answer.
        retried = await clients[0].request("POST", f"{V1}/profiles", body, headers=headers)
        assert (retried.status, retried.text) == (201, applied[0].text)
    finally:
        for c in clients:
            await c.__aexit__()
    _, made, destroyed = await ledger.snapshot()
    assert (made, destroyed) == (1, 0)
    streams = await pool.fetchval(
        "SELECT count(DISTINCT stream_id) FROM vault.events WHERE metadata->>'merchantId' = $1",
        str(merchant_key.merchant_id),
    )
    assert streams == 1


async def test_a_retry_while_the_first_is_in_flight_is_told_to_wait(
    client: VaultClient, pool: asyncpg.Pool
) -> None:
    headers, body = keyed(), new_profile()
    async with pool.acquire() as blocker, blocker.transaction():
        # Appends need ROW EXCLUSIVE on the events table: the first request waits in its append.
        await blocker.execute("LOCK TABLE vault.events IN EXCLUSIVE MODE")
        first = asyncio.create_task(client.request("POST", f"{V1}/profiles", body, headers=headers))
        await wait_for_claim(pool, headers["Idempotency-Key"])
        retry = await client.request("POST", f"{V1}/profiles", body, headers=headers)
        assert (retry.status, retry.code) == (409, "7598")
        assert retry.headers["Retry-After"] == "1"
    done = await first
    assert done.status == 201
    after = await client.request("POST", f"{V1}/profiles", body, headers=headers)
    assert (after.status, after.text) == (201, done.text)


async def wait_for_claim(pool: asyncpg.Pool, key: str) -> None:
    async with asyncio.timeout(10):
        while not await pool.fetchval(
            "SELECT 1 FROM vault.idempotency_keys WHERE idempotency_key = $1", key
        ):
            await asyncio.sleep(0.02)


async def test_records_past_the_retention_are_purged(
    client: VaultClient, pool: asyncpg.Pool, process_env: dict[str, str]
) -> None:
    old, recent = keyed(), keyed()
    for headers in (old, recent):
        reply = await client.request("POST", f"{V1}/profiles", new_profile(), headers=headers)
        assert reply.status == 201
    await pool.execute(
        "UPDATE vault.idempotency_keys SET created_at = now() - interval '2 days'"
        " WHERE idempotency_key = $1",
        old["Idempotency-Key"],
    )
    purge = subprocess.run(
        [sys.executable, "-m", "service", "idempotency", "purge"],
        env={**process_env, "VAULT_IDEMPOTENCY_RETENTION": "1d"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert purge.returncode == 0, purge.stderr
    assert purge.stdout.startswith("purged ")
    kept = await pool.fetch(
        "SELECT idempotency_key FROM vault.idempotency_keys WHERE idempotency_key = ANY($1)",
        [old["Idempotency-Key"], recent["Idempotency-Key"]],
    )
    assert [r["idempotency_key"] for r in kept] == [recent["Idempotency-Key"]]
    # A purged key is a new key again: the same request applies anew.
    again = await client.request("POST", f"{V1}/profiles", new_profile(), headers=old)
    assert again.status == 201 and "Idempotent-Replayed" not in again.headers
