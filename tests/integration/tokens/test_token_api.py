"""The token service's HTTP contract: round trips per kind, tenant isolation, scopes, fingerprints."""

from __future__ import annotations

import uuid

import asyncpg
from openapi_spec_validator import validate

from service.api.auth import create_merchant, issue_api_key
from tests.integration.tokens.conftest import CARD, TokenService, card

ACH = {
    "accountNumber": "000123456789",
    "routingNumber": "211589828",
    "accountHolderName": "Argon Corp.",
    "accountType": "CHECKING",
}
EFT = {
    "accountNumber": "1234567",
    "transitNumber": "25039",
    "institutionId": "001",
    "accountHolderName": "Maple Ltd",
}
BACS = {"accountNumber": "12345678", "sortCode": "207405", "accountHolderName": "Tea Ltd"}
SEPA = {"iban": "md24 ag00 0225 1000 1310 4168", "bic": "ABNANL2A", "accountHolderName": "Euro"}


async def test_round_trip_for_each_kind(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    address = {"country": "US", "zip": "10014"}
    created = await vault.tokenize(
        merchant, "card", card(holderName="Jane Roe", billingAddress=address)
    )
    assert created["token"].startswith("C") and len(created["token"]) == 15
    assert (created["bin"], created["lastDigits"], created["expiresAt"]) == ("411111", "1111", None)
    assert created["fingerprint"].startswith("fp1:") and created["fingerprintKeyVersion"] == 1
    reply = await payments.resolve(merchant, created["token"], "auth 123")
    assert reply.status == 200, reply.text
    assert reply.json == {
        "paymentToken": created["token"],
        "kind": "card",
        "card": {
            "cardNum": CARD,
            "cardExpiry": {"month": 12, "year": 2050},
            "holderName": "Jane Roe",
        },
        "billingAddress": address,
    }

    for kind, instrument, last in (
        ("ach", ACH, "6789"),
        ("eft", EFT, "4567"),
        ("bacs", BACS, "5678"),
        ("sepa", SEPA, "4168"),
    ):
        created = await vault.tokenize(merchant, kind, instrument)
        assert created["token"].startswith("D") and created["lastDigits"] == last
        assert created["bin"] is None and created["fingerprint"].startswith("fp1:")
        reply = await payments.resolve(merchant, created["token"])
        assert reply.status == 200, reply.text
        expected = dict(instrument)
        if kind == "sepa":
            expected["iban"] = "MD24AG000225100013104168"
        assert reply.json == {
            "paymentToken": created["token"],
            "kind": kind,
            "bankAccount": expected,
        }

    bacs = await vault.tokenize(merchant, "bacs", BACS)
    mandate = await vault.tokenize(
        merchant, "mandate", {"reference": "SUB103", "bankAccountToken": bacs["token"]}
    )
    assert mandate["token"].startswith("M") and mandate["fingerprint"] is None
    reply = await payments.resolve(merchant, mandate["token"])
    assert reply.status == 200, reply.text
    assert reply.json["kind"] == "mandate"
    assert reply.json["mandate"]["reference"] == "SUB103"
    assert reply.json["bankAccount"] == BACS


async def test_merchants_cannot_use_each_others_tokens(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    a, b = uuid.uuid4(), uuid.uuid4()
    card_token = (await vault.tokenize(a, "card", card()))["token"]
    bank_token = (await vault.tokenize(a, "ach", ACH))["token"]
    for token, code in ((card_token, "5500"), (bank_token, "5502")):
        reply = await payments.resolve(b, token)
        assert (reply.status, reply.code) == (404, code)
        assert reply.json["error"]["code"] == code
        reply = await vault.request(
            "PUT", f"/tokens/v1/instruments/{token}", {"merchantId": str(b), "status": "INACTIVE"}
        )
        assert (reply.status, reply.code) == (404, code)
        reply = await vault.request("DELETE", f"/tokens/v1/instruments/{token}?merchantId={b}")
        assert (reply.status, reply.code) == (404, code)
        assert (await payments.resolve(a, token)).status == 200
    # B cannot hang a mandate on A's bank account.
    reply = await vault.request(
        "POST",
        "/tokens/v1/instruments",
        {
            "merchantId": str(b),
            "kind": "mandate",
            "instrument": {"reference": "X1", "bankAccountToken": bank_token},
        },
    )
    assert (reply.status, reply.code) == (400, "5068")
    for unknown, code in (("Cnope", "5500"), ("SCnope", "5500"), ("Dnope", "5502"), ("M0", "5502")):
        assert (await payments.resolve(a, unknown)).code == code


async def test_credentials_and_scopes(token_service: TokenService, pool: asyncpg.Pool) -> None:
    merchant = uuid.uuid4()
    vault = await token_service.client("tokenize")
    token = (await vault.tokenize(merchant, "card", card()))["token"]

    anonymous = await token_service.client()
    reply = await anonymous.resolve(merchant, token)
    assert (reply.status, reply.code) == (401, "5280")
    assert CARD not in reply.text

    wrong = await token_service.client(credentials=("tsc-nobody", "T-wrong"))
    assert (await wrong.resolve(merchant, token)).code == "5279"

    # A merchant's API key (vault.api_keys) is never a token-service credential.
    merchant_id = await create_merchant(pool, f"merchant-{uuid.uuid4()}")
    key = await issue_api_key(pool, merchant_id, "server")
    as_merchant = await token_service.client(credentials=(key.key_id, key.secret))
    reply = await as_merchant.resolve(merchant_id, token)
    assert (reply.status, reply.code) == (401, "5279")
    reply = await as_merchant.request("POST", "/tokens/v1/instruments", {})
    assert (reply.status, reply.code) == (401, "5279")

    # The vault's tokenize scope cannot detokenize; payment services cannot tokenize.
    reply = await vault.resolve(merchant, token)
    assert (reply.status, reply.code) == (403, "5270")
    assert CARD not in reply.text
    payments = await token_service.client("detokenize")
    reply = await payments.request(
        "POST",
        "/tokens/v1/instruments",
        {"merchantId": str(merchant), "kind": "card", "instrument": card()},
    )
    assert (reply.status, reply.code) == (403, "5270")
    assert (await payments.request("GET", "/tokens/v1/keys")).code == "5270"

    keys = await (await token_service.client("keys")).request("GET", "/tokens/v1/keys")
    assert keys.status == 200
    active = token_service.keyring.ring().active_id
    assert keys.json["activeKekId"] == active
    assert keys.json["fingerprintKeyVersion"] == 1
    assert any(k["id"] == active and k["records"] >= 1 for k in keys.json["keks"])


async def test_fingerprints_are_per_merchant(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    a, b = uuid.uuid4(), uuid.uuid4()
    first = await vault.tokenize(a, "card", card())
    second = await vault.tokenize(a, "card", card(holderName="Someone Else"))
    other = await vault.tokenize(b, "card", card())
    different = await vault.tokenize(a, "card", card("5200400000000009"))
    assert first["token"] != second["token"]
    assert first["fingerprint"] == second["fingerprint"]
    assert first["fingerprint"] != other["fingerprint"]
    assert first["fingerprint"] != different["fingerprint"]
    assert CARD not in first["fingerprint"]
    ach_a = await vault.tokenize(a, "ach", ACH)
    ach_again = await vault.tokenize(a, "ach", {**ACH, "accountHolderName": "Other"})
    assert ach_a["fingerprint"] == ach_again["fingerprint"]


async def test_update_replaces_non_number_parts(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    created = await vault.tokenize(
        merchant, "card", card(holderName="Old", billingAddress={"zip": "1"})
    )
    path = f"/tokens/v1/instruments/{created['token']}"
    body = {"merchantId": str(merchant), "instrument": {"cardExpiry": {"month": 1, "year": 2060}}}
    reply = await vault.request("PUT", path, body)
    assert reply.status == 200, reply.text
    assert reply.json == created
    resolved = (await payments.resolve(merchant, created["token"])).json
    assert resolved["card"] == {"cardNum": CARD, "cardExpiry": {"month": 1, "year": 2060}}
    assert "billingAddress" not in resolved

    changed = {"merchantId": str(merchant), "instrument": card("5200400000000009")}
    reply = await vault.request("PUT", path, changed)
    assert (reply.status, reply.code) == (400, "5068")
    assert "5200400000000009" not in reply.text
    same = {"merchantId": str(merchant), "instrument": card(holderName="New")}
    assert (await vault.request("PUT", path, same)).status == 200

    reply = await vault.request("PUT", path, {"merchantId": str(merchant), "status": "INACTIVE"})
    assert reply.status == 200
    assert (await payments.resolve(merchant, created["token"])).code == "5500"
    reply = await vault.request("PUT", path, {"merchantId": str(merchant), "status": "ACTIVE"})
    assert (await payments.resolve(merchant, created["token"])).json["card"]["holderName"] == "New"


async def test_malformed_bodies_are_refused_without_echo(token_service: TokenService) -> None:
    vault = await token_service.client("tokenize")
    merchant = str(uuid.uuid4())
    cases = [
        {"merchantId": merchant, "kind": "card", "instrument": card("4111-1111-1111-1111")},
        {"merchantId": merchant, "kind": "card", "instrument": {"cardNum": CARD}},
        {"merchantId": merchant, "kind": "card", "instrument": card(cvv="123")},
        {"merchantId": merchant, "kind": "ach", "instrument": card(), "singleUse": True},
        {"merchantId": merchant, "kind": "ach", "instrument": {**ACH, "routingNumber": "x"}},
        {"merchantId": "nope", "kind": "card", "instrument": card()},
        {"merchantId": merchant, "kind": "bitcoin", "instrument": {}},
        {"merchantId": merchant, "kind": "card", "instrument": {**card(), "pin": "1234"}},
    ]
    for body in cases:
        reply = await vault.request("POST", "/tokens/v1/instruments", body)
        assert (reply.status, reply.code) == (400, "5068"), body
        assert reply.json["error"]["fieldErrors"]
        assert "4111" not in reply.text and "211589828" not in reply.text
    raw = await vault.session.post(
        f"{vault.base_url}/tokens/v1/instruments", data=b"{not json", headers={}
    )
    assert raw.status == 400
    raw.release()


async def test_openapi_document(token_service: TokenService) -> None:
    anonymous = await token_service.client()
    reply = await anonymous.request("GET", "/tokens/v1/openapi.json")
    assert reply.status == 200
    validate(reply.json)
    assert "/tokens/v1/resolve" in reply.json["paths"]
