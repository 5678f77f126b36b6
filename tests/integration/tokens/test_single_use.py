"""Single-use card tokens: short-lived, CVV only inside them, redeemed into a permanent token."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests.integration.tokens.conftest import TokenService, card
from tests.support import wait_until as wait_for


@pytest.fixture
def token_overrides() -> dict[str, Any]:
    return {"single_use_ttl_seconds": 1.0, "single_use_purge_seconds": 0.2}


async def stored(pool: asyncpg.Pool, token: str) -> asyncpg.Record:
    found = await pool.fetchrow(
        "SELECT ciphertext, wrapped_key, deleted_at, destroyed_reason, single_use "
        "FROM tokens.instruments WHERE token = $1",
        token,
    )
    assert found is not None
    return found


async def test_expired_single_use_token_is_purged_and_not_redeemable(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    vault = await token_service.client("tokenize")
    merchant = uuid.uuid4()
    sut = await vault.tokenize(merchant, "card", card(cvv="123"), singleUse=True)
    assert sut["token"].startswith("SC") and len(sut["token"]) == 16
    assert sut["expiresAt"] is not None
    assert (await stored(pool, sut["token"]))["ciphertext"] is not None

    async def purged() -> bool:
        return (await stored(pool, sut["token"]))["ciphertext"] is None

    await wait_for(purged, timeout=10)
    record = await stored(pool, sut["token"])
    assert record["wrapped_key"] is None and record["destroyed_reason"] == "expired"
    reply = await vault.request(
        "POST", f"/tokens/v1/single-use/{sut['token']}/redeem", {"merchantId": str(merchant)}
    )
    assert (reply.status, reply.code) == (404, "5500")


async def test_expired_but_not_yet_purged_is_not_redeemable(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    vault = await token_service.client("tokenize")
    merchant = uuid.uuid4()
    sut = await vault.tokenize(merchant, "card", card(cvv="123"), singleUse=True)
    # Back-date the expiry so the purge has not run yet when we redeem.
    await pool.execute(
        "UPDATE tokens.instruments SET expires_at = now() - interval '1 second' WHERE token = $1",
        sut["token"],
    )
    reply = await vault.request(
        "POST", f"/tokens/v1/single-use/{sut['token']}/redeem", {"merchantId": str(merchant)}
    )
    assert (reply.status, reply.code) == (404, "5500")


@pytest.mark.parametrize("token_overrides", [{"single_use_ttl_seconds": 120.0}])
async def test_redeem_makes_a_permanent_card_without_cvv(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    address = {"country": "US", "zip": "10014"}
    sut = await vault.tokenize(
        merchant,
        "card",
        card(cvv=123, holderName="Jane Roe", billingAddress=address),
        singleUse=True,
    )
    # Single-use tokens are not payable through resolve.
    assert (await payments.resolve(merchant, sut["token"])).code == "5500"
    # Another merchant cannot redeem it.
    path = f"/tokens/v1/single-use/{sut['token']}/redeem"
    assert (await vault.request("POST", path, {"merchantId": str(uuid.uuid4())})).code == "5500"
    reply = await vault.request("POST", path, {"merchantId": str(merchant)})
    assert reply.status == 201, reply.text
    redeemed = reply.json
    assert redeemed["token"].startswith("C") and redeemed["expiresAt"] is None
    assert redeemed["fingerprint"] == sut["fingerprint"]
    assert redeemed["holderName"] == "Jane Roe"
    assert redeemed["cardExpiry"] == {"month": 12, "year": 2050}
    assert redeemed["billingAddress"] == address
    assert "cvv" not in reply.text
    # The SUT is gone (its CVV with it) and cannot be redeemed twice.
    record = await stored(pool, sut["token"])
    assert record["ciphertext"] is None and record["destroyed_reason"] == "redeemed"
    assert (await vault.request("POST", path, {"merchantId": str(merchant)})).code == "5500"
    # The permanent record holds no CVV: decrypt it the way the service does.
    store_row = await pool.fetchrow(
        "SELECT token, merchant_id, kind, kek_id, wrapped_key, ciphertext "
        "FROM tokens.instruments WHERE token = $1",
        redeemed["token"],
    )
    from service.tokens.sealing import RecordCipher

    data = RecordCipher(token_service.keyring).open(store_row)
    assert "cvv" not in data and data["cardNum"] == "4111111111111111"
    resolved = await payments.resolve(merchant, redeemed["token"])
    assert resolved.status == 200 and "cvv" not in resolved.text
