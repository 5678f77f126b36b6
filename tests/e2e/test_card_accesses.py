"""A merchant's own slice of the token access ledger:
GET /customervault/v1/profiles/{id}/cards/{cardId}/accesses."""

from __future__ import annotations

import hashlib
import uuid

import asyncpg

from service.api.auth import create_merchant, issue_api_key
from tests.support import PaymentsClient, VaultClient

VISA = "4111111111111111"
MASTERCARD = "5200400000000009"


async def add_card(client: VaultClient, pid: str, number: str = VISA) -> dict:
    body = {"cardNum": number, "cardExpiry": {"month": 12, "year": 2050}}
    created = await client.request("POST", f"/customervault/v1/profiles/{pid}/cards", body)
    assert created.status == 201, created.text
    return created.json


async def test_a_merchant_sees_who_resolved_its_card_newest_first(
    client: VaultClient, payments: PaymentsClient
) -> None:
    pid = (await client.create_profile())["id"]
    card, other_card = await add_card(client, pid), await add_card(client, pid, MASTERCARD)
    merchant = client.key.merchant_id
    for purpose in ("order-1", "order-2", "order-3"):
        assert (await payments.resolve(merchant, card["paymentToken"], purpose)).status == 200
    assert (await payments.resolve(merchant, other_card["paymentToken"], "other")).status == 200
    # Another merchant asking for this token is refused, and the refusal is not this merchant's.
    assert (await payments.resolve(uuid.uuid4(), card["paymentToken"], "probe")).status == 404

    path = f"/customervault/v1/profiles/{pid}/cards/{card['id']}/accesses"
    page = await client.request("GET", path)
    assert page.status == 200, page.text
    revealed = [a for a in page.json["accesses"] if a["type"] == "InstrumentRevealed"]
    assert [a["purpose"] for a in revealed] == ["order-3", "order-2", "order-1"]
    fingerprint = hashlib.sha256(card["paymentToken"].encode()).hexdigest()
    assert {a["tokenFingerprint"] for a in page.json["accesses"]} == {fingerprint}
    assert {a["merchantId"] for a in page.json["accesses"]} == {str(merchant)}
    assert VISA not in page.text and card["paymentToken"] not in page.text

    # Paginated through `next`, newest first, the same accesses.
    seen: list[str] = []
    query = "?limit=2"
    while True:
        step = await client.request("GET", path + query)
        assert step.status == 200, step.text
        seen += [a["eventId"] for a in step.json["accesses"]]
        if step.json["next"] is None:
            break
        query = f"?limit=2&before={step.json['next']}"
    assert seen == [a["eventId"] for a in page.json["accesses"]]


async def test_accesses_of_unknown_or_foreign_cards_and_bad_parameters(
    client: VaultClient, api_url: str, pool: asyncpg.Pool
) -> None:
    pid = (await client.create_profile())["id"]
    card = await add_card(client, pid)
    path = f"/customervault/v1/profiles/{pid}/cards/{card['id']}/accesses"
    unknown = await client.request(
        "GET", f"/customervault/v1/profiles/{pid}/cards/{uuid.uuid4()}/accesses"
    )
    assert (unknown.status, unknown.code) == (404, "5269")
    bad = await client.request("GET", f"{path}?limit=0&before=x")
    assert (bad.status, bad.code) == (400, "5068")
    assert sorted(f["field"] for f in bad.json["error"]["fieldErrors"]) == ["before", "limit"]
    other = await issue_api_key(pool, await create_merchant(pool, f"m-{uuid.uuid4()}"), "server")
    async with VaultClient(api_url, other) as stranger:
        foreign = await stranger.request("GET", path)
    assert (foreign.status, foreign.code) == (404, "5269")
