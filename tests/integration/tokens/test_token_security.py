"""Issue 10 at the token service, each attack over the real HTTP path: merchant-bound clients,
revocation, terminal statuses, malformed resolves audited, invalid UTF-8 answered 400 5023,
failed logins audited once per source and window."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp
import asyncpg
import pytest

from events.topics import ensure_topic
from service.tokens import app as token_app
from service.tokens.clients import create_client, revoke_client
from service.tokens.process import keyring_from
from service.tokens.settings import TokenServiceSettings
from tests.conftest import serve
from tests.integration.tokens.conftest import TokenService, card

ACH = {
    "accountNumber": "211589828",
    "routingNumber": "211589828",
    "accountHolderName": "A Holder",
    "accountType": "CHECKING",
}


async def test_a_merchant_bound_client_is_refused_every_other_merchant_like_an_unknown_token(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    vault = await token_service.client("tokenize")
    card_b = (await vault.tokenize(b, "card", card()))["token"]
    bank_b = (await vault.tokenize(b, "ach", ACH))["token"]
    payments_a = await token_service.client("detokenize", merchants=(a,))
    for token, unknown_token in ((card_b, "Cunknown00000000"), (bank_b, "Dunknown00000000")):
        refused = await payments_a.resolve(b, token)
        unknown = await payments_a.resolve(a, unknown_token)
        assert (refused.status, refused.code, refused.json) == (
            unknown.status,
            unknown.code,
            unknown.json,
        )
        assert (await vault.resolve(b, token)).status == 403  # scope still checked

    tokenizer_a = await token_service.client("tokenize", merchants=(a,))
    assert (await tokenizer_a.tokenize(a, "card", card()))["token"]
    body = {"merchantId": str(b), "kind": "card", "instrument": card()}
    reply = await tokenizer_a.request("POST", "/tokens/v1/instruments", body)
    assert (reply.status, reply.code) == (404, "5500")
    reply = await tokenizer_a.request(
        "PUT", f"/tokens/v1/instruments/{card_b}", {"merchantId": str(b), "status": "INACTIVE"}
    )
    assert (reply.status, reply.code) == (404, "5500")
    reply = await tokenizer_a.request("DELETE", f"/tokens/v1/instruments/{bank_b}?merchantId={b}")
    assert (reply.status, reply.code) == (404, "5502")
    sut = (await vault.tokenize(b, "card", card(cvv="123"), singleUse=True))["token"]
    reply = await tokenizer_a.request(
        "POST", f"/tokens/v1/single-use/{sut}/redeem", {"merchantId": str(b)}
    )
    assert (reply.status, reply.code) == (404, "5500")
    # Nothing changed for B.
    payments_b = await token_service.client("detokenize", merchants=(b,))
    assert (await payments_b.resolve(b, card_b)).status == 200
    assert (await payments_b.resolve(b, bank_b)).status == 200

    keys_a = await token_service.client("keys", merchants=(a,))
    assert (await keys_a.request("GET", "/tokens/v1/keys")).code == "5270"

    audited = await token_service.outbox_rows(pool, payments_a.client_id)
    refusals = [r for r in audited if r["reason"] == "merchant_not_bound"]
    assert len(refusals) == 2  # the unknown tokens were refused as unknown_token
    assert all(r["kind"] is None and r["merchantId"] == str(b) for r in refusals)


async def test_a_client_is_bound_explicitly_and_a_revoked_one_is_refused(
    pool: asyncpg.Pool, token_service: TokenService
) -> None:
    with pytest.raises(ValueError, match="--all-merchants"):
        await create_client(pool, "unbound", ["detokenize"])
    with pytest.raises(ValueError, match="--all-merchants"):
        await create_client(
            pool, "both", ["detokenize"], merchants=[uuid.uuid4()], all_merchants=True
        )
    issued = await create_client(pool, "soon-revoked", ["tokenize"], all_merchants=True)
    client = await token_service.client(credentials=(issued.client_id, issued.secret))
    assert (await client.tokenize(uuid.uuid4(), "card", card()))["token"]
    assert await revoke_client(pool, issued.client_id)
    assert not await revoke_client(pool, issued.client_id)
    # The fixture's authenticator caches for 0 s (token_overrides); production: the stated TTL.
    body = {"merchantId": str(uuid.uuid4()), "kind": "card", "instrument": card()}
    reply = await client.request("POST", "/tokens/v1/instruments", body)
    assert (reply.status, reply.code) == (401, "5279")


@pytest.fixture
def token_overrides() -> dict[str, Any]:
    return {"client_cache_seconds": 0.0}


async def test_a_closed_token_never_comes_back(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    bank = (await vault.tokenize(merchant, "ach", ACH))["token"]
    mandate = (
        await vault.tokenize(merchant, "mandate", {"reference": "SUB1", "bankAccountToken": bank})
    )["token"]
    path = f"/tokens/v1/instruments/{mandate}"
    assert (await payments.resolve(merchant, mandate)).status == 200
    closed = await vault.request("PUT", path, {"merchantId": str(merchant), "status": "CLOSED"})
    assert closed.status == 200
    for attempt in (
        {"status": "ACTIVE"},
        {"status": "INACTIVE"},
        {"instrument": {"reference": "SUB1"}},
        {"instrument": {"reference": "SUB1"}, "status": "CLOSED"},
    ):
        reply = await vault.request("PUT", path, {"merchantId": str(merchant), **attempt})
        assert (reply.status, reply.code) == (400, "5068"), attempt
        assert reply.json["error"]["fieldErrors"] == [
            {"field": "status", "error": "a closed token cannot change"}
        ]
        assert (await payments.resolve(merchant, mandate)).code == "5502"
    again = await vault.request("PUT", path, {"merchantId": str(merchant), "status": "CLOSED"})
    assert again.status == 200  # a retried closure
    gone = await vault.request("DELETE", f"{path}?merchantId={merchant}")
    assert gone.status == 200
    reply = await vault.request("PUT", path, {"merchantId": str(merchant), "status": "ACTIVE"})
    assert (reply.status, reply.code) == (404, "5502")


MALFORMED_RESOLVES: list[tuple[str, bytes, int, str]] = [
    (
        "nul in purpose",
        b'{"merchantId":"%s","paymentToken":"C1","purpose":"a\\u0000b"}',
        400,
        "5068",
    ),
    ("nul in token", b'{"merchantId":"%s","paymentToken":"C\\u00001","purpose":"p"}', 404, "5500"),
    (  # msgspec refuses a lone surrogate escape as malformed JSON
        "lone surrogate",
        b'{"merchantId":"%s","paymentToken":"\\ud800","purpose":"\\udfff"}',
        400,
        "5068",
    ),
    ("wrong types", b'{"merchantId":"%s","paymentToken":5,"purpose":["x"]}', 400, "5068"),
    ("invalid json", b'{"merchantId":"%s",', 400, "5068"),
    ("invalid utf-8", b'{"merchantId":"%s","paymentToken":"C\xff\xfe","purpose":"p"}', 400, "5023"),
    ("not an object", b'["%s"]', 400, "5068"),
]


async def test_every_malformed_resolve_is_refused_without_500_and_audited(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    for name, template, status, code in MALFORMED_RESOLVES:
        reply = await payments.send("POST", "/tokens/v1/resolve", template % str(merchant).encode())
        assert (reply.status, reply.code) == (status, code), name
        assert reply.json["error"]["code"] == code
    audited = await token_service.outbox_rows(pool, payments.client_id)
    assert len(audited) == len(MALFORMED_RESOLVES)
    assert all(r["outcome"] == "refused" for r in audited)
    assert audited[0]["purpose"] == "a\ufffdb"  # sanitized, not dropped
    assert audited[0]["reason"] == "invalid_request"
    assert audited[1]["reason"] == "unknown_token" and audited[1]["tokenFingerprint"]
    assert audited[3]["purpose"] is None and audited[3]["tokenFingerprint"] is None


async def test_invalid_utf8_answers_5023_on_every_body_route(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    merchant = uuid.uuid4()
    token = (await vault.tokenize(merchant, "card", card()))["token"]
    body = b'{"merchantId":"%s","kind":"card","instrument":{"holderName":"\xc3\x28"}}' % (
        str(merchant).encode()
    )
    for method, path in (
        ("POST", "/tokens/v1/instruments"),
        ("PUT", f"/tokens/v1/instruments/{token}"),
        ("POST", f"/tokens/v1/single-use/{token}/redeem"),
    ):
        reply = await vault.send(method, path, body)
        assert (reply.status, reply.code) == (400, "5023"), path
        assert reply.json["error"]["code"] == "5023"


async def test_a_nul_in_a_path_token_is_an_unknown_token(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    merchant = uuid.uuid4()
    for method, path, body in (
        ("PUT", "/tokens/v1/instruments/C%00x", {"merchantId": str(merchant), "status": "ACTIVE"}),
        ("DELETE", f"/tokens/v1/instruments/C%00x?merchantId={merchant}", None),
        ("POST", "/tokens/v1/single-use/SC%00x/redeem", {"merchantId": str(merchant)}),
    ):
        reply = await vault.request(method, path, body)
        assert (reply.status, reply.code) == (404, "5500"), path


async def test_failed_logins_are_audited_once_per_source_with_their_count(
    token_settings: TokenServiceSettings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_app, "_LIMITER", token_app.FailureLimiter("token-service"))
    # The rows go to the default topic, which every test's publisher then sends to.
    await ensure_topic(
        token_settings.kafka_bootstrap_servers,
        token_settings.audit_topic,
        partitions=1,
        replication_factor=1,
    )
    app = token_app.create_app(token_settings, keyring_from(token_settings))
    runner, url = await serve(app)
    stop = asyncio.Event()
    auditing = asyncio.create_task(token_app.audit_failed_logins(app, stop))
    claimed = f"tsc-{uuid.uuid4().hex[:8]}"
    try:
        auth = {"Authorization": aiohttp.encode_basic_auth(claimed, "T-wrong")}
        async with aiohttp.ClientSession(headers=auth) as session:
            for path in ("/tokens/v1/resolve", "/tokens/v1/instruments") * 3:
                async with session.post(url + path, json={}) as response:
                    assert response.status == 401
        # Nothing written per failure: the failures are only counted until the window ends.
        assert await _failed_login_rows(pool, claimed) == []
        stop.set()
        await auditing
    finally:
        stop.set()
        await runner.cleanup()
    [row] = await _failed_login_rows(pool, claimed)
    assert (row["type"], row["reason"], row["outcome"]) == (
        "AuthenticationFailed",
        "unauthenticated",
        "refused",
    )
    assert (row["source"], row["attempts"], row["merchantId"]) == ("127.0.0.1", 6, "unknown")


async def _failed_login_rows(pool: asyncpg.Pool, claimed: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT payload FROM tokens.audit_outbox WHERE payload->>'clientId' = $1", claimed
    )
    return [json.loads(r["payload"]) for r in rows]
