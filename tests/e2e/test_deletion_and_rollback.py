"""Deletion and rollback, asserted where it matters: at the real token service.

After a profile DELETE, a bank-account DELETE with mandates, a refused append and a token-service
outage, a payments client can resolve none of the tokens concerned (5500 card, 5502 bank and
mandate), and their records hold no ciphertext or wrapped key any more, or were never stored.
A reveal whose audit row cannot be written reveals nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import asyncpg

from events.crypto import Keyring
from service.api.app import create_app
from service.settings import Settings
from tests.conftest import serve
from tests.support import PaymentsClient, VaultClient, free_port, stream_version

CARD = "4111111111111111"
OTHER_CARD = "5200400000000009"
BACS = {"accountHolderName": "Jane Doe", "accountNumber": "55779911", "sortCode": "207405"}


async def live_tokens(pool: asyncpg.Pool, merchant_id: uuid.UUID) -> set[str]:
    """The merchant's token records that still hold an instrument (ciphertext or wrapped key)."""
    rows = await pool.fetch(
        "SELECT token FROM tokens.instruments WHERE merchant_id = $1 "
        "AND (ciphertext IS NOT NULL OR wrapped_key IS NOT NULL)",
        merchant_id,
    )
    return {r["token"] for r in rows}


async def referenced_tokens(pool: asyncpg.Pool, merchant_id: uuid.UUID) -> set[str]:
    rows = await pool.fetch(
        "SELECT payment_token FROM vault.card_view WHERE merchant_id = $1 UNION ALL "
        "SELECT payment_token FROM vault.bank_account_view WHERE merchant_id = $1 UNION ALL "
        "SELECT payment_token FROM vault.mandate_view WHERE merchant_id = $1",
        merchant_id,
    )
    return {r["payment_token"] for r in rows}


async def assert_gone(
    payments: PaymentsClient, pool: asyncpg.Pool, merchant_id: uuid.UUID, tokens: dict[str, str]
) -> None:
    """Each token (-> its expected refusal code) resolves no more and its record is destroyed."""
    for token, code in tokens.items():
        refused = await payments.resolve(merchant_id, token)
        assert (refused.status, refused.code) == (404, code), token
    assert not set(tokens) & await live_tokens(pool, merchant_id)


async def profile_with_instruments(client: VaultClient) -> tuple[str, str, dict[str, str]]:
    """A profile with a card, a BACS account and a mandate: (profile id, account id, their tokens
    -> refusal codes)."""
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}"
    card = await client.request(
        "POST", f"{base}/cards", {"cardNum": CARD, "cardExpiry": {"month": 1, "year": 2040}}
    )
    address = await client.request(
        "POST", f"{base}/addresses", {"country": "GB", "zip": "SW1A 1AA"}
    )
    account = await client.request(
        "POST", f"{base}/bacsbankaccounts", {**BACS, "billingAddressId": address.json["id"]}
    )
    assert (card.status, account.status) == (201, 201), (card.text, account.text)
    mandate = await client.request(
        "POST",
        f"{base}/bacsbankaccounts/{account.json['id']}/mandates",
        {"reference": "REF1"},
    )
    assert mandate.status == 201, mandate.text
    return (
        pid,
        account.json["id"],
        {
            card.json["paymentToken"]: "5500",
            account.json["paymentToken"]: "5502",
            mandate.json["paymentToken"]: "5502",
        },
    )


async def test_profile_delete_destroys_every_token(
    client: VaultClient, payments: PaymentsClient, pool: asyncpg.Pool
) -> None:
    assert client.key is not None
    merchant = uuid.UUID(str(client.key.merchant_id))
    pid, _, tokens = await profile_with_instruments(client)
    for token in tokens:
        assert (await payments.resolve(merchant, token)).status == 200
    assert set(tokens) <= await live_tokens(pool, merchant)

    deleted = await client.request("DELETE", f"/customervault/v1/profiles/{pid}")
    assert deleted.status == 200, deleted.text
    await assert_gone(payments, pool, merchant, tokens)


async def test_bank_account_delete_destroys_its_mandates_tokens(
    client: VaultClient, payments: PaymentsClient, pool: asyncpg.Pool
) -> None:
    assert client.key is not None
    merchant = uuid.UUID(str(client.key.merchant_id))
    pid, account_id, tokens = await profile_with_instruments(client)
    card_token = next(t for t, code in tokens.items() if code == "5500")

    deleted = await client.request(
        "DELETE", f"/customervault/v1/profiles/{pid}/bacsbankaccounts/{account_id}"
    )
    assert deleted.status == 200, deleted.text
    await assert_gone(payments, pool, merchant, {t: c for t, c in tokens.items() if c == "5502"})
    # The card of the same profile is untouched.
    assert (await payments.resolve(merchant, card_token)).status == 200
    assert await live_tokens(pool, merchant) == await referenced_tokens(pool, merchant)


async def test_a_refused_append_leaves_no_live_token(
    client: VaultClient, payments: PaymentsClient, pool: asyncpg.Pool
) -> None:
    """The second add of the same card is refused (7503) after the token service made a token
    for it: that token must be destroyed, so every live record is one a view references."""
    assert client.key is not None
    merchant = uuid.UUID(str(client.key.merchant_id))
    pid = (await client.create_profile())["id"]
    cards = f"/customervault/v1/profiles/{pid}/cards"
    body = {"cardNum": CARD, "cardExpiry": {"month": 1, "year": 2040}}
    assert (await client.request("POST", cards, body)).status == 201
    records_before = await pool.fetchval(
        "SELECT count(*) FROM tokens.instruments WHERE merchant_id = $1", merchant
    )
    again = await client.request("POST", cards, body)
    assert (again.status, again.code) == (409, "7503"), again.text
    fresh = await pool.fetch(
        "SELECT token FROM tokens.instruments WHERE merchant_id = $1 AND token <> ALL($2::text[])",
        merchant,
        list(await referenced_tokens(pool, merchant)),
    )
    live = await live_tokens(pool, merchant)
    assert live == await referenced_tokens(pool, merchant)
    assert len(live) == 1
    for row in fresh:  # made for the refused add, if any: refused like any unknown token
        refused = await payments.resolve(merchant, row["token"])
        assert (refused.status, refused.code) == (404, "5500")
    total = await pool.fetchval(
        "SELECT count(*) FROM tokens.instruments WHERE merchant_id = $1", merchant
    )
    assert total - records_before == len(fresh)


async def test_a_token_service_outage_stores_nothing(
    client: VaultClient,
    api_settings: Settings,
    keyring: Keyring,
    pool: asyncpg.Pool,
) -> None:
    """An API whose token service does not answer: the card add is a 503, no event is appended,
    no view row and no token record appear."""
    assert client.key is not None
    merchant = uuid.UUID(str(client.key.merchant_id))
    pid = (await client.create_profile())["id"]
    version = await stream_version(pool, pid)
    records = await pool.fetchval(
        "SELECT count(*) FROM tokens.instruments WHERE merchant_id = $1", merchant
    )
    dead = replace(api_settings, tokens_url=f"http://127.0.0.1:{free_port()}")
    runner, url = await serve(create_app(dead, keyring))
    try:
        async with VaultClient(url, client.key) as cut_off:
            reply = await cut_off.request(
                "POST",
                f"/customervault/v1/profiles/{pid}/cards",
                {"cardNum": OTHER_CARD, "cardExpiry": {"month": 1, "year": 2040}},
            )
    finally:
        await runner.cleanup()
    assert reply.status == 503, reply.text
    assert reply.code is not None and reply.json["error"]["code"] == reply.code
    assert await stream_version(pool, pid) == version
    assert not await pool.fetchval(
        "SELECT count(*) FROM vault.card_view WHERE profile_id = $1", uuid.UUID(pid)
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM tokens.instruments WHERE merchant_id = $1", merchant
        )
        == records
    )


async def test_a_reveal_whose_audit_cannot_be_written_reveals_nothing(
    client: VaultClient, payments: PaymentsClient, pool: asyncpg.Pool
) -> None:
    assert client.key is not None
    merchant = uuid.UUID(str(client.key.merchant_id))
    pid = (await client.create_profile())["id"]
    card = await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/cards",
        {"cardNum": CARD, "cardExpiry": {"month": 1, "year": 2040}},
    )
    assert card.status == 201, card.text
    token = card.json["paymentToken"]
    # A real failure of the audit INSERT, for this merchant only (other tests keep auditing).
    function = f"fail_audit_{uuid.uuid4().hex[:8]}"
    await pool.execute(
        f"CREATE FUNCTION tokens.{function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.payload::text LIKE '%{merchant}%' THEN RAISE EXCEPTION 'audit refused'; END IF; "
        "RETURN NEW; END $$"
    )
    await pool.execute(
        f"CREATE TRIGGER {function} BEFORE INSERT ON tokens.audit_outbox "
        f"FOR EACH ROW EXECUTE FUNCTION tokens.{function}()"
    )
    try:
        failed = await payments.resolve(merchant, token)
    finally:
        await pool.execute(f"DROP TRIGGER {function} ON tokens.audit_outbox")
        await pool.execute(f"DROP FUNCTION tokens.{function}()")
    assert failed.status >= 500, failed.status
    assert CARD not in failed.text and CARD[-4:] not in failed.text
    assert failed.json["error"]["code"] == failed.code
    # With the audit back, the same token reveals again: the refusal was the audit's.
    assert (await payments.resolve(merchant, token)).status == 200
