"""Card lifecycle over HTTP, through the real token service, with Paysafe's codes and bodies."""

from __future__ import annotations

import re

import asyncpg

from tests.support import PaymentsClient, VaultClient, stream_version

CARD_TOKEN = re.compile(r"^C[0-9A-Za-z]{14}$")
VISA = "4111111111111111"
MASTERCARD = "5200400000000009"


async def test_card_lifecycle(client: VaultClient, payments: PaymentsClient) -> None:
    pid = (await client.create_profile())["id"]
    address = await client.request(
        "POST", f"/customervault/v1/profiles/{pid}/addresses", {"country": "US", "zip": "10014"}
    )
    aid = address.json["id"]
    base = f"/customervault/v1/profiles/{pid}/cards"
    # What paysafe_sdk_python sends: string numbers and a string boolean (docs/api.md, "Tolerant parsing").
    created = await client.request(
        "POST",
        f"{base}/",
        {
            "nickName": "John's corporate Visa",
            "holderName": "MR. JOHN SMITH",
            "cardNum": VISA,
            "defaultCardIndicator": "true",
            "billingAddressId": aid,
            "cardExpiry": {"month": "12", "year": "2050"},
            "profileId": pid,
            "status": "X",
        },
    )
    assert created.status == 201, created.text
    card = created.json
    cid = card["id"]
    assert created.headers["Location"] == f"{base}/{cid}"
    assert CARD_TOKEN.match(card["paymentToken"])
    assert card == {
        "status": "ACTIVE",
        "id": cid,
        "nickName": "John's corporate Visa",
        "holderName": "MR. JOHN SMITH",
        "cardBin": "411111",
        "lastDigits": "1111",
        "cardExpiry": {"year": 2050, "month": 12},
        "billingAddressId": aid,
        "cardType": "VI",
        "cardCategory": "CREDIT",
        "paymentToken": card["paymentToken"],
        "storedCredentialTokenStatus": "UNVERIFIED",
        "defaultCardIndicator": True,
    }
    assert VISA not in created.text
    assert (await client.request("GET", f"{base}/{cid}")).json == card

    # The whole journey: a payments client resolves the token to the original card.
    resolved = await payments.resolve(client.key.merchant_id, card["paymentToken"])
    assert resolved.status == 200, resolved.text
    assert resolved.json["card"]["cardNum"] == VISA
    assert resolved.json["card"]["cardExpiry"] == {"month": 12, "year": 2050}

    # PUT replaces: billingAddressId and nickName left out are cleared; token, BIN stay.
    updated = await client.request(
        "PUT", f"{base}/{cid}", {"cardExpiry": {"month": 6, "year": 2055}}
    )
    assert updated.status == 200
    assert updated.json == {
        "status": "ACTIVE",
        "id": cid,
        "cardBin": "411111",
        "lastDigits": "1111",
        "cardExpiry": {"year": 2055, "month": 6},
        "cardType": "VI",
        "cardCategory": "CREDIT",
        "paymentToken": card["paymentToken"],
        "defaultCardIndicator": True,
    }
    resolved = await payments.resolve(client.key.merchant_id, card["paymentToken"])
    assert resolved.json["card"]["cardExpiry"] == {"month": 6, "year": 2055}

    # A second card: not default unless asked; asking moves the default.
    second = await client.request(
        "POST", base, {"cardNum": MASTERCARD, "cardExpiry": {"month": 1, "year": 2040}}
    )
    assert second.status == 201
    assert (second.json["cardType"], second.json["defaultCardIndicator"]) == ("MC", False)
    await client.request(
        "PUT",
        f"{base}/{second.json['id']}",
        {"cardExpiry": {"month": 1, "year": 2040}, "defaultCardIndicator": True},
    )
    profile = await client.request("GET", f"/customervault/v1/profiles/{pid}?fields=cards")
    defaults = {c["id"]: c["defaultCardIndicator"] for c in profile.json["cards"]}
    assert defaults == {cid: False, second.json["id"]: True}
    assert all("storedCredentialTokenStatus" not in c for c in profile.json["cards"])

    deleted = await client.request("DELETE", f"{base}/{cid}")
    assert (deleted.status, deleted.text) == (200, "")
    gone = await client.request("GET", f"{base}/{cid}")
    assert (gone.status, gone.code) == (404, "5269")
    # The deleted card's token no longer resolves.
    refused = await payments.resolve(client.key.merchant_id, card["paymentToken"])
    assert (refused.status, refused.code) == (404, "5500")


async def test_same_card_twice_on_a_profile_is_7503(client: VaultClient) -> None:
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}/cards"
    body = {"cardNum": VISA, "cardExpiry": {"month": 12, "year": 2050}}
    first = await client.request("POST", base, body)
    again = await client.request("POST", base, {**body, "cardNum": "4111 1111 1111 1111"})
    assert (again.status, again.code) == (409, "7503")
    assert again.json["error"]["message"] == f"Card number already in use - {first.json['id']}"
    assert again.json["links"] == [
        {
            "rel": "existing_entity",
            "href": f"/customervault/v1/cards/{first.json['id']}",
        }
    ]
    # Another profile may hold the same card.
    other = (await client.create_profile())["id"]
    assert (
        await client.request("POST", f"/customervault/v1/profiles/{other}/cards", body)
    ).status == 201


async def test_profile_with_nested_card_and_billing_address(
    client: VaultClient, payments: PaymentsClient
) -> None:
    reply = await client.request(
        "POST",
        "/customervault/v1/profiles",
        {
            "firstName": "test",
            "lastName": "test",
            "email": "test@test.com",
            "card": {
                "cardNum": VISA,
                "cardExpiry": {"month": 12, "year": 2050},
                "billingAddress": {"country": "US", "zip": "10014"},
            },
            "merchantCustomerId": "nested-card",
            "locale": "en_US",
        },
    )
    assert reply.status == 201, reply.text
    assert "Location" not in reply.headers
    body = reply.json
    [address] = body["addresses"]
    [card] = body["cards"]
    assert address == {
        "id": address["id"],
        "country": "US",
        "zip": "10014",
        "defaultShippingAddressIndicator": False,
        "status": "ACTIVE",
    }
    assert card["billingAddressId"] == address["id"]
    assert card["defaultCardIndicator"] is True
    resolved = await payments.resolve(client.key.merchant_id, card["paymentToken"])
    assert resolved.json["card"]["cardNum"] == VISA
    assert resolved.json["billingAddress"]["zip"] == "10014"


async def test_card_validation(client: VaultClient, pool: asyncpg.Pool) -> None:
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}/cards"
    version = await stream_version(pool, pid)
    bad = await client.request(
        "POST", base, {"cardNum": "41111111111", "cardExpiry": {"month": 13, "year": "20x0"}}
    )
    assert (bad.status, bad.code) == (400, "5068")
    assert sorted((f["field"], f["error"]) for f in bad.json["error"]["fieldErrors"]) == [
        ("cardExpiry.month", "must be between 1 and 12"),
        ("cardExpiry.year", "must be an integer"),
        ("cardNum", "Luhn checksum failed"),
        ("cardNum", "size must be between 12 and 20"),
    ]
    assert "41111111111" not in bad.text
    brand = await client.request(
        "POST", base, {"cardNum": "9999999999999995", "cardExpiry": {"month": 1, "year": 2030}}
    )
    assert (brand.status, brand.code) == (400, "7508")
    foreign_address = await client.request(
        "POST",
        base,
        {
            "cardNum": VISA,
            "cardExpiry": {"month": 1, "year": 2030},
            "billingAddressId": "00000000-0000-4000-8000-000000000000",
        },
    )
    assert (foreign_address.status, foreign_address.code) == (400, "7511")
    assert await stream_version(pool, pid) == version


async def test_single_use_tokens(
    api_url: str,
    client: VaultClient,
    sut_client: VaultClient,
    payments: PaymentsClient,
    pool: asyncpg.Pool,
) -> None:
    # Only the single-use-token key reaches the SUT endpoint, and it reaches nothing else.
    sut_body = {
        "card": {
            "cardNum": MASTERCARD,
            "cardExpiry": {"month": 12, "year": 2050},
            "cvv": 123,
            "billingAddress": {"country": "US", "zip": "10014"},
        }
    }
    wrong_key = await client.request("POST", "/customervault/v1/singleusetokens", sut_body)
    assert (wrong_key.status, wrong_key.code) == (403, "5270")
    elsewhere = await sut_client.request("GET", "/customervault/v1/profiles?merchantCustomerId=x")
    assert (elsewhere.status, elsewhere.code) == (403, "5270")

    created = await sut_client.request("POST", "/customervault/v1/singleusetokens", sut_body)
    assert created.status == 200, created.text
    sut = created.json
    assert re.fullmatch(r"SC[0-9A-Za-z]{14}", sut["paymentToken"])
    assert 0 < sut["timeToLiveSeconds"] <= 900
    assert sut["card"] == {
        "cardBin": "520040",
        "lastDigits": "0009",
        "cardExpiry": {"year": 2050, "month": 12},
        "cardType": "MC",
        "cardCategory": "CREDIT",
    }
    assert sut["billingAddress"] == {"country": "US", "zip": "10014"}
    # A single-use token is not payable by a payments client.
    assert (await payments.resolve(client.key.merchant_id, sut["paymentToken"])).code == "5500"

    pid = (await client.create_profile())["id"]
    card = await client.request(
        "POST", f"/customervault/v1/profiles/{pid}/cards", {"singleUseToken": sut["paymentToken"]}
    )
    assert card.status == 201, card.text
    assert card.json["cardBin"] == "520040"
    assert card.json["singleUseToken"] == sut["paymentToken"]
    address = await client.request(
        "GET", f"/customervault/v1/profiles/{pid}/addresses/{card.json['billingAddressId']}"
    )
    assert address.json["zip"] == "10014"
    resolved = await payments.resolve(client.key.merchant_id, card.json["paymentToken"])
    assert resolved.json["card"]["cardNum"] == MASTERCARD
    assert "cvv" not in resolved.text

    # Consumed: a second use is refused with a field error.
    again = await client.request(
        "POST", f"/customervault/v1/profiles/{pid}/cards", {"singleUseToken": sut["paymentToken"]}
    )
    assert (again.status, again.code) == (400, "5068")
    assert again.json["error"]["fieldErrors"] == [
        {"field": "singleUseToken", "error": "The specified value does not exist in the system."}
    ]
    nested = await client.request(
        "POST",
        "/customervault/v1/profiles",
        {
            "merchantCustomerId": "sut-nested",
            "locale": "en_US",
            "card": {"singleUseToken": "SCdoesnotexist00"},
        },
    )
    assert nested.json["error"]["fieldErrors"][0]["field"] == "card.singleUseToken"


async def test_lookup_by_customer_id_embeds_requested_collections(client: VaultClient) -> None:
    created = await client.request(
        "POST",
        "/customervault/v1/profiles",
        {
            "merchantCustomerId": "lookup-with-cards",
            "locale": "en_US",
            "card": {"cardNum": VISA, "cardExpiry": {"month": 12, "year": 2030}},
        },
    )
    found = await client.request(
        "GET", "/customervault/v1/profiles?merchantCustomerId=lookup-with-cards&fields=cards"
    )
    assert found.status == 200
    assert [c["id"] for c in found.json["cards"]] == [created.json["cards"][0]["id"]]
    assert "addresses" not in found.json


async def test_another_merchant_reaches_none_of_the_instruments(
    client: VaultClient, other_client: VaultClient, payments: PaymentsClient, pool: asyncpg.Pool
) -> None:
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}"
    address = (
        await client.request("POST", f"{base}/addresses", {"country": "GB", "zip": "N1"})
    ).json
    card = (
        await client.request(
            "POST", f"{base}/cards", {"cardNum": VISA, "cardExpiry": {"month": 1, "year": 2031}}
        )
    ).json
    account = (
        await client.request(
            "POST",
            f"{base}/sepabankaccounts",
            {
                "iban": "DE89370400440532013000",
                "accountHolderName": "A",
                "billingAddressId": address["id"],
            },
        )
    ).json
    mandate = (
        await client.request(
            "POST", f"{base}/sepabankaccounts/{account['id']}/mandates", {"reference": "M1"}
        )
    ).json
    version = await stream_version(pool, pid)
    card_body = {"cardExpiry": {"month": 2, "year": 2032}}
    account_body = {
        "iban": "DE89370400440532013000",
        "accountHolderName": "B",
        "billingAddressId": address["id"],
    }
    attempts = [
        ("GET", f"{base}/cards/{card['id']}", None),
        ("PUT", f"{base}/cards/{card['id']}", card_body),
        ("DELETE", f"{base}/cards/{card['id']}", None),
        (
            "POST",
            f"{base}/cards",
            {"cardNum": MASTERCARD, "cardExpiry": {"month": 1, "year": 2031}},
        ),
        ("GET", f"{base}/sepabankaccounts/{account['id']}", None),
        ("PUT", f"{base}/sepabankaccounts/{account['id']}", account_body),
        ("DELETE", f"{base}/sepabankaccounts/{account['id']}", None),
        ("POST", f"{base}/sepabankaccounts/{account['id']}/mandates", {"reference": "X"}),
        ("GET", f"{base}/mandates/{mandate['id']}", None),
        ("PUT", f"{base}/mandates/{mandate['id']}", {"status": "CANCELLED"}),
        ("DELETE", f"{base}/mandates/{mandate['id']}", None),
        ("GET", f"{base}?fields=cards,sepabankaccounts", None),
    ]
    for method, path, body in attempts:
        reply = await other_client.request(method, path, body)
        assert (method, path, reply.status, reply.code) == (method, path, 404, "5269")
    assert await stream_version(pool, pid) == version
    # Nor can a payment service acting for the other merchant resolve the tokens.
    for token, code in (
        (card["paymentToken"], "5500"),
        (account["paymentToken"], "5502"),
        (mandate["paymentToken"], "5502"),
    ):
        refused = await payments.resolve(other_client.key.merchant_id, token)
        assert (refused.status, refused.code) == (404, code)
        assert (await payments.resolve(client.key.merchant_id, token)).status == 200
