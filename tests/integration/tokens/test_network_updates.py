"""POST /tokens/v1/network-updates: a network's card update applied to the record, found by token
or by the old number's keyed fingerprint, in effective-time order, without a number in the answer
or the audit rows."""

from __future__ import annotations

import uuid

import asyncpg

from tests.integration.tokens.conftest import CARD, TokenService, card

NEW = "5200400000000009"


async def test_a_reissue_keeps_the_token_and_resolves_to_the_new_number(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    merchant = uuid.uuid4()
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    stored = await vault.tokenize(merchant, "card", card())
    token, old_fingerprint = stored["token"], stored["fingerprint"]

    def update(effective: str, **change: object) -> dict[str, object]:
        return {"merchantId": str(merchant), "effectiveAt": effective, **change}

    replaced = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        update("2026-12-01T10:00:00Z", fingerprint=old_fingerprint, cardNum=NEW),
    )
    assert replaced.status == 200, replaced.text
    assert replaced.json["paymentToken"] == token and replaced.json["applied"] is True
    assert (replaced.json["cardBin"], replaced.json["lastDigits"]) == ("520040", "0009")
    assert replaced.json["fingerprint"] != old_fingerprint and NEW not in replaced.text
    resolved = await payments.resolve(merchant, token)
    assert resolved.json["card"]["cardNum"] == NEW

    # Older than what was applied: nothing changes, and the answer says so.
    stale = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        update("2026-12-01T09:00:00Z", paymentToken=token, cardExpiry={"month": 1, "year": 2040}),
    )
    assert (stale.status, stale.json["applied"]) == (200, False)
    assert (await payments.resolve(merchant, token)).json["card"]["cardExpiry"]["year"] == 2050

    closed = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        update("2026-12-01T11:00:00Z", paymentToken=token, closed=True),
    )
    assert closed.json["closed"] is True
    assert (await payments.resolve(merchant, token)).status == 404
    again = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        update("2026-12-01T11:00:00Z", paymentToken=token, closed=True),
    )
    assert (again.status, again.json["applied"]) == (200, False)

    unknown = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        update("2026-12-01T11:00:00Z", fingerprint="fp1:none", closed=True),
    )
    assert (unknown.status, unknown.code) == (404, "5500")
    other_merchant = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        {
            **update("2026-12-01T12:00:00Z", paymentToken=token, closed=True),
            "merchantId": str(uuid.uuid4()),
        },
    )
    assert other_merchant.status == 404
    rows = await pool.fetch(
        "SELECT payload::text AS p FROM tokens.audit_outbox WHERE record_key = $1", str(merchant)
    )
    assert rows and all(NEW not in r["p"] and CARD not in r["p"] for r in rows)


async def test_bad_updates_are_refused_without_echo(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    bad = await vault.request(
        "POST",
        "/tokens/v1/network-updates",
        {"merchantId": str(uuid.uuid4()), "effectiveAt": "2026-12-01T10:00:00", "cardNum": NEW},
    )
    assert (bad.status, bad.code) == (400, "5068")
    assert NEW not in bad.text
    payments = await token_service.client("detokenize")
    refused = await payments.request("POST", "/tokens/v1/network-updates", {})
    assert refused.status == 403
