"""Profile and address lifecycle over HTTP, with Paysafe's exact statuses, headers and bodies."""

from __future__ import annotations

import re
import uuid

import asyncpg

from tests.support import VaultClient, stream_version

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PROFILE_TOKEN = re.compile(r"^P[0-9A-Za-z]{14}$")
ERRORINFO = (
    "https://developer.paysafe.com/en/rest-api/vault/test-and-go-live/vault-errors/#ErrorCode"
)

SDK_PY_PROFILE = {  # what paysafe_sdk_python sends (docs/api.md, "Tolerant parsing"), string numbers included
    "merchantCustomerId": "mycustomer1",
    "locale": "en_US",
    "firstName": "John",
    "lastName": "Smith",
    "dateOfBirth": {"day": 24, "month": "10", "year": "1981"},
    "email": "john.smith@somedomain.com",
    "phone": "713-444-5555",
}
SDK_PY_ADDRESS = {
    "nickName": "home",
    "street": "100 Queen Street West",
    "street2": "Unit 201",
    "city": "Toronto",
    "country": "CA",
    "state": "ON",
    "zip": "M5H 2N2",
    "recipientName": "Jane Doe",
    "phone": "647-788-3901",
}


async def test_monitor_is_ready_without_credentials(api_url: str) -> None:
    async with VaultClient(api_url, None) as anonymous:
        reply = await anonymous.request("GET", "/customervault/monitor")
    assert reply.status == 200
    assert reply.json == {"status": "READY"}


async def test_profile_lifecycle(client: VaultClient, pool: asyncpg.Pool) -> None:
    body = {
        **SDK_PY_PROFILE,
        "merchantCustomerId": f"cust-{uuid.uuid4()}",
        "id": "ignored",
        "paymentToken": "Pignored",
        "unknownKey": {"nested": 1},
    }
    created = await client.request("POST", "/customervault/v1/profiles/", body)
    assert created.status == 201
    profile = created.json
    pid = profile["id"]
    assert UUID.match(pid)
    assert created.headers["Location"] == f"/customervault/v1/profiles/{pid}"
    assert created.headers["Content-Type"].startswith("application/json")
    assert PROFILE_TOKEN.match(profile["paymentToken"])
    assert list(profile) == [
        "id",
        "status",
        "merchantCustomerId",
        "locale",
        "firstName",
        "lastName",
        "dateOfBirth",
        "email",
        "phone",
        "paymentToken",
    ]
    assert profile["status"] == "ACTIVE"
    assert profile["dateOfBirth"] == {"year": 1981, "month": 10, "day": 24}
    assert profile["merchantCustomerId"] == body["merchantCustomerId"]

    # Read-your-writes, with every URL shape the SDKs produce.
    for suffix in ("", "/", "?", "?fields=", "/?fields="):
        fetched = await client.request("GET", f"/customervault/v1/profiles/{pid}{suffix}")
        assert fetched.status == 200, suffix
        assert fetched.json == profile

    by_customer_id = await client.request(
        "GET", f"/customervault/v1/profiles?merchantCustomerId={body['merchantCustomerId']}"
    )
    assert by_customer_id.status == 200
    assert by_customer_id.json == profile

    # PUT is a full replacement: fields left out are cleared; id and paymentToken stay.
    update = {
        "merchantCustomerId": body["merchantCustomerId"],
        "locale": "fr_CA",
        "firstName": "Jack",
    }
    updated = await client.request("PUT", f"/customervault/v1/profiles/{pid}", update)
    assert updated.status == 200
    assert updated.json == {
        "id": pid,
        "status": "ACTIVE",
        "merchantCustomerId": body["merchantCustomerId"],
        "locale": "fr_CA",
        "firstName": "Jack",
        "paymentToken": profile["paymentToken"],
    }
    assert (await client.request("GET", f"/customervault/v1/profiles/{pid}")).json == updated.json

    deleted = await client.request("DELETE", f"/customervault/v1/profiles/{pid}")
    assert deleted.status == 200
    assert deleted.text == ""
    assert deleted.headers["Content-Length"] == "0"

    gone = await client.request("GET", f"/customervault/v1/profiles/{pid}")
    assert gone.status == 404
    assert gone.code == "5269"
    assert gone.json == {
        "error": {
            "code": "5269",
            "message": "The ID(s) specified in the URL do not correspond to the values in the "
            f"system.: {pid}",
            "links": [{"rel": "errorinfo", "href": f"{ERRORINFO}5269"}],
        }
    }
    again = await client.request("DELETE", f"/customervault/v1/profiles/{pid}")
    assert (again.status, again.code) == (404, "5269")
    assert await stream_version(pool, pid) == 3  # created, updated, deleted: events remain


async def test_address_lifecycle(client: VaultClient) -> None:
    profile = await client.create_profile()
    pid = profile["id"]
    base = f"/customervault/v1/profiles/{pid}/addresses"

    created = await client.request("POST", f"{base}/", {**SDK_PY_ADDRESS, "status": "INITIAL"})
    assert created.status == 201
    address = created.json
    aid = address["id"]
    assert created.headers["Location"] == f"{base}/{aid}"
    assert address == {
        "id": aid,
        **{
            k: SDK_PY_ADDRESS[k]
            for k in (
                "nickName",
                "street",
                "street2",
                "city",
                "country",
                "state",
                "zip",
                "recipientName",
                "phone",
            )
        },
        "defaultShippingAddressIndicator": False,
        "status": "ACTIVE",
    }
    assert "links" not in address  # SDK-py prints noise for nested keys on addresses

    minimal = await client.request("POST", base, {"country": "US", "zip": "10014"})
    assert minimal.status == 201
    assert minimal.json == {
        "id": minimal.json["id"],
        "country": "US",
        "zip": "10014",
        "defaultShippingAddressIndicator": False,
        "status": "ACTIVE",
    }

    assert (await client.request("GET", f"{base}/{aid}")).json == address
    with_addresses = await client.request(
        "GET", f"/customervault/v1/profiles/{pid}?fields=addresses%2Ccards"
    )
    assert [a["id"] for a in with_addresses.json["addresses"]] == [aid, minimal.json["id"]]

    updated = await client.request(
        "PUT",
        f"{base}/{aid}",
        {"country": "US", "zip": "10001", "defaultShippingAddressIndicator": "true"},
    )
    assert updated.status == 200
    assert updated.json == {
        "id": aid,
        "country": "US",
        "zip": "10001",
        "defaultShippingAddressIndicator": True,
        "status": "ACTIVE",
    }
    assert (await client.request("GET", f"{base}/{aid}/")).json == updated.json

    deleted = await client.request("DELETE", f"{base}/{aid}")
    assert (deleted.status, deleted.text) == (200, "")
    missing = await client.request("GET", f"{base}/{aid}")
    assert (missing.status, missing.code) == (404, "5269")
    assert missing.json["error"]["message"].endswith(f".: {aid}")
    remaining = await client.request("GET", f"/customervault/v1/profiles/{pid}?fields=addresses")
    assert [a["id"] for a in remaining.json["addresses"]] == [minimal.json["id"]]


async def test_merchant_customer_id_is_unique_per_merchant(
    client: VaultClient, other_client: VaultClient
) -> None:
    customer_id = f"dup-{uuid.uuid4()}"
    first = await client.create_profile(merchantCustomerId=customer_id)
    clash = await client.request(
        "POST", "/customervault/v1/profiles", {"merchantCustomerId": customer_id, "locale": "en_US"}
    )
    assert clash.status == 409
    assert clash.code == "7505"
    assert clash.json == {
        "error": {
            "code": "7505",
            "message": "The merchantCustomerId provided for this profile has already been used "
            f"for another profile - {first['id']}",
            "links": [{"rel": "errorinfo", "href": f"{ERRORINFO}7505"}],
        },
        "links": [
            {
                "rel": "existing_entity",
                "href": f"/customervault/v1/profiles/{first['id']}",
            }
        ],
    }
    # Another merchant may use the same id.
    assert (await other_client.create_profile(merchantCustomerId=customer_id))["id"] != first["id"]

    # An update onto a taken id is refused too; freeing it (delete) makes it usable again.
    second = await client.create_profile()
    taken = await client.request(
        "PUT",
        f"/customervault/v1/profiles/{second['id']}",
        {"merchantCustomerId": customer_id, "locale": "en_US"},
    )
    assert (taken.status, taken.code) == (409, "7505")
    await client.request("DELETE", f"/customervault/v1/profiles/{first['id']}")
    moved = await client.request(
        "PUT",
        f"/customervault/v1/profiles/{second['id']}",
        {"merchantCustomerId": customer_id, "locale": "en_US"},
    )
    assert moved.status == 200
    assert moved.json["merchantCustomerId"] == customer_id
