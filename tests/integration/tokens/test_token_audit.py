"""Every resolve, revealed or refused, yields exactly one audit record on Kafka, without numbers."""

from __future__ import annotations

import hashlib
import uuid

from tests.integration.tokens.conftest import CARD, TokenService, card
from tests.support import wait_until as wait_for


async def test_every_resolve_is_audited_once(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant, other = uuid.uuid4(), uuid.uuid4()
    live = (await vault.tokenize(merchant, "card", card()))["token"]
    inactive = (await vault.tokenize(merchant, "card", card(), status="INACTIVE"))["token"]
    deleted = (await vault.tokenize(merchant, "card", card()))["token"]
    await vault.request("DELETE", f"/tokens/v1/instruments/{deleted}?merchantId={merchant}")
    foreign = (await vault.tokenize(other, "card", card()))["token"]

    attempts = [
        (payments, live, 200, None),
        (payments, "Cunknown0000000", 404, "unknown_token"),
        (payments, foreign, 404, "foreign_merchant"),
        (payments, deleted, 404, "deleted"),
        (payments, inactive, 404, "inactive"),
        (vault, live, 403, "missing_scope"),
    ]
    for client, token, status, _ in attempts:
        reply = await client.resolve(merchant, token, purpose=f"purpose-{token}")
        assert reply.status == status, reply.text

    def is_resolve(r: dict) -> bool:
        return r["type"] in ("InstrumentRevealed", "RevealRefused")

    async def collected() -> list[dict]:
        return [
            r
            for r in await token_service.audit_records()
            if r["merchantId"] == str(merchant) and is_resolve(r)
        ]

    found: list[dict] = []

    async def enough() -> bool:
        nonlocal found
        found = await collected()
        return len(found) >= len(attempts)

    await wait_for(enough)
    assert len(found) == len(attempts)  # exactly one each
    by_token = {r["tokenFingerprint"]: r for r in found if r["reason"] != "missing_scope"}
    for client, token, status, reason in attempts:
        if client is vault:
            continue
        record = by_token[hashlib.sha256(token.encode()).hexdigest()]
        assert record["purpose"] == f"purpose-{token}"
        if status == 200:
            assert (record["type"], record["outcome"], record["kind"]) == (
                "InstrumentRevealed",
                "revealed",
                "card",
            )
        else:
            assert (record["type"], record["reason"]) == ("RevealRefused", reason)
    scope_refusals = [r for r in found if r["reason"] == "missing_scope"]
    assert len(scope_refusals) == 1
    for record in found:
        assert record["eventId"] and record["occurredAt"] and record["clientId"]
    raw = [str(r) for r in await token_service.audit_records()]
    assert not any(CARD in text for text in raw)
