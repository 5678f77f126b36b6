"""Bad input gets the spec's error (JSON body, status, X-Application-Status-Code) and changes nothing."""

from __future__ import annotations

import base64
import uuid

import aiohttp
import asyncpg
import pytest

from tests.support import Reply, VaultClient, stream_version

VISA = "4111111111111111"


def assert_error(reply: Reply, status: int, code: str) -> dict:
    assert reply.status == status, reply.text
    assert reply.code == code
    assert reply.headers["Content-Type"].startswith("application/json")
    error = reply.json["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["links"][0]["rel"] == "errorinfo"
    assert error["links"][0]["href"].endswith(f"#ErrorCode{code}")
    return error


async def events_of_merchant(pool: asyncpg.Pool, merchant_id: uuid.UUID) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM vault.events WHERE metadata->>'merchantId' = $1",
            str(merchant_id),
        )
    )


async def test_malformed_json_is_5023(client: VaultClient, pool: asyncpg.Pool) -> None:
    before = await events_of_merchant(pool, client.key.merchant_id)
    for raw in (b"{bad", b'{"merchantCustomerId": "x", ', b"\xff\xfe", b"nul"):
        reply = await client.request("POST", "/customervault/v1/profiles", raw=raw)
        assert_error(reply, 400, "5023")
    assert await events_of_merchant(pool, client.key.merchant_id) == before


async def test_validation_lists_every_problem(client: VaultClient, pool: asyncpg.Pool) -> None:
    before = await events_of_merchant(pool, client.key.merchant_id)
    reply = await client.request(
        "POST",
        "/customervault/v1/profiles",
        {
            "merchantCustomerId": "x" * 101,
            "locale": "xx_XX",
            "email": "not-an-email",
            "firstName": {"nested": True},
            "gender": "Q",
            "dateOfBirth": {"day": 31, "month": "02", "year": 1990},
            "phone": "1" * 41,
        },
    )
    error = assert_error(reply, 400, "5068")
    assert sorted((f["field"], f["error"]) for f in error["fieldErrors"]) == [
        ("dateOfBirth.day", "not a valid day of that month"),
        ("email", "not a well-formed email address"),
        ("firstName", "must be a string"),
        ("gender", "invalid value"),
        ("locale", "Invalid Locale"),
        ("merchantCustomerId", "size must be between 1 and 100"),
        ("phone", "size must be between 1 and 40"),
    ]
    empty = await client.request("POST", "/customervault/v1/profiles", {})
    assert sorted(f["field"] for f in assert_error(empty, 400, "5068")["fieldErrors"]) == [
        "locale",
        "merchantCustomerId",
    ]
    assert await events_of_merchant(pool, client.key.merchant_id) == before


async def test_card_numbers_are_never_echoed(client: VaultClient) -> None:
    pan = "4111111111111111"
    replies = [
        await client.request(
            "POST", "/customervault/v1/profiles", {"merchantCustomerId": pan * 7, "locale": pan}
        ),
        await client.request("GET", f"/customervault/v1/profiles/{pan}"),
        await client.request("GET", f"/customervault/v1/profiles/{pan}/addresses/{pan}"),
        await client.request(
            "POST",
            "/customervault/v1/profiles",
            {"merchantCustomerId": "x", "locale": "en_US", "card": {"cardNum": pan}},
        ),
    ]
    for reply in replies:
        assert reply.status in (400, 404)
        assert pan not in reply.text
        assert all(pan not in value for value in reply.headers.values())


async def test_wrong_types_and_oversized_addresses(client: VaultClient, pool: asyncpg.Pool) -> None:
    pid = (await client.create_profile())["id"]
    version = await stream_version(pool, pid)
    base = f"/customervault/v1/profiles/{pid}/addresses"
    reply = await client.request(
        "POST",
        base,
        {
            "country": "Canada",
            "zip": ["M5H"],
            "street": "s" * 51,
            "defaultShippingAddressIndicator": "maybe",
        },
    )
    error = assert_error(reply, 400, "5068")
    assert sorted(f["field"] for f in error["fieldErrors"]) == [
        "country",
        "defaultShippingAddressIndicator",
        "street",
        "zip",
    ]
    not_object = await client.request("POST", base, ["country", "US"])
    assert_error(not_object, 400, "5068")
    too_large = await client.request("POST", base, raw=b'{"street": "' + b"x" * 70_000 + b'"}')
    assert_error(too_large, 413, "5023")
    xml = await client.request(
        "POST", base, raw=b"<address/>", headers={"Content-Type": "application/xml"}
    )
    assert_error(xml, 415, "5272")
    assert await stream_version(pool, pid) == version


async def test_unknown_and_foreign_ids_are_5269(
    client: VaultClient, other_client: VaultClient, pool: asyncpg.Pool
) -> None:
    mine = await client.create_profile()
    pid = mine["id"]
    address = await client.request(
        "POST", f"/customervault/v1/profiles/{pid}/addresses", {"country": "US", "zip": "10014"}
    )
    aid = address.json["id"]
    version = await stream_version(pool, pid)
    unknown = str(uuid.uuid4())
    profile_body = {"merchantCustomerId": "stolen", "locale": "en_US"}
    address_body = {"country": "US", "zip": "99999"}

    attempts = [
        (client, "GET", f"/customervault/v1/profiles/{unknown}", None),
        (client, "GET", f"/customervault/v1/profiles/{pid}/addresses/{unknown}", None),
        (client, "PUT", f"/customervault/v1/profiles/{pid}/addresses/{unknown}", address_body),
        (client, "DELETE", f"/customervault/v1/profiles/{pid}/addresses/{unknown}", None),
        (client, "POST", f"/customervault/v1/profiles/{unknown}/addresses", address_body),
        # Another merchant sees nothing of ours and changes nothing.
        (other_client, "GET", f"/customervault/v1/profiles/{pid}", None),
        (other_client, "GET", f"/customervault/v1/profiles/{pid}?fields=addresses", None),
        (other_client, "PUT", f"/customervault/v1/profiles/{pid}", profile_body),
        (other_client, "DELETE", f"/customervault/v1/profiles/{pid}", None),
        (other_client, "GET", f"/customervault/v1/profiles/{pid}/addresses/{aid}", None),
        (other_client, "PUT", f"/customervault/v1/profiles/{pid}/addresses/{aid}", address_body),
        (other_client, "DELETE", f"/customervault/v1/profiles/{pid}/addresses/{aid}", None),
        (other_client, "POST", f"/customervault/v1/profiles/{pid}/addresses", address_body),
        (
            other_client,
            "GET",
            f"/customervault/v1/profiles?merchantCustomerId={mine['merchantCustomerId']}",
            None,
        ),
    ]
    for who, method, path, body in attempts:
        reply = await who.request(method, path, body)
        assert_error(reply, 404, "5269")
    assert await stream_version(pool, pid) == version
    assert (await client.request("GET", f"/customervault/v1/profiles/{pid}")).json == mine


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "5280"),
        ("Bearer abc", "5280"),
        ("Basic " + base64.b64encode(b":").decode(), "5279"),
        ("Basic " + base64.b64encode(b"key-unknown:secret").decode(), "5279"),
        ("Basic !!!notbase64", "5279"),
    ],
)
async def test_missing_or_wrong_credentials_are_401(
    api_url: str, pool: asyncpg.Pool, authorization: str | None, code: str
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    before = await pool.fetchval("SELECT count(*) FROM vault.events")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{api_url}/customervault/v1/profiles",
            json={"merchantCustomerId": "x", "locale": "en_US"},
            headers=headers,
        ) as response,
    ):
        reply = Reply(response.status, dict(response.headers), await response.text())
    assert_error(reply, 401, code)
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="authSecurity"'
    assert await pool.fetchval("SELECT count(*) FROM vault.events") == before


async def test_wrong_secret_for_a_real_key_is_401(api_url: str, client: VaultClient) -> None:
    async with VaultClient(api_url, None, (client.key.key_id, "B-wrong")) as bad:
        reply = await bad.request("GET", "/customervault/v1/profiles?merchantCustomerId=x")
    assert_error(reply, 401, "5279")


async def test_unknown_routes_and_methods(client: VaultClient) -> None:
    assert_error(await client.request("GET", "/customervault/v1/nothing-here"), 404, "5273")
    assert_error(await client.request("GET", "/elsewhere"), 404, "5273")
    pid = (await client.create_profile())["id"]
    wrong = await client.request("PATCH", f"/customervault/v1/profiles/{pid}", {})
    assert_error(wrong, 405, "5281")
    assert set(wrong.headers["Allow"].split(",")) == {"GET", "PUT", "DELETE"}
    assert_error(await client.request("POST", f"/customervault/v1/profiles/{pid}", {}), 405, "5281")


async def test_hostile_input_is_refused_cleanly(client: VaultClient, pool: asyncpg.Pool) -> None:
    pid = (await client.create_profile())["id"]
    version = await stream_version(pool, pid)
    cards = f"/customervault/v1/profiles/{pid}/cards"
    # A single-use token is a token, not a path into the token service.
    for token in ("../resolve#", "../instruments#", "SC/../../keys", "SC" + "a" * 40):
        reply = await client.request("POST", cards, {"singleUseToken": token})
        assert (reply.status, reply.code) == (400, "5068"), reply.text
        assert reply.json["error"]["fieldErrors"][0]["field"] == "singleUseToken"
    # NUL characters, which PostgreSQL text cannot hold, in bodies and queries.
    nul = await client.request(
        "PUT",
        f"/customervault/v1/profiles/{pid}",
        {"merchantCustomerId": "a\u0000b", "locale": "en_US"},
    )
    assert (nul.status, nul.code) == (400, "5068")
    for query in ("merchantCustomerId=%00", "merchantCustomerId=a%00"):
        assert (await client.request("GET", f"/customervault/v1/profiles?{query}")).code == "5068"
    assert (await client.request("GET", "/customervault/v1/customersearch?name=%00")).code == "5068"
    # Nesting deep enough to exhaust the parser's recursion.
    deep = await client.request("POST", cards, raw=b"[" * 100_000 + b"]" * 100_000)
    assert deep.status in (400, 413) and deep.code == "5023"
    assert await stream_version(pool, pid) == version


async def test_card_numbers_pasted_into_request_ids_are_not_kept(
    client: VaultClient, pool: asyncpg.Pool
) -> None:
    reply = await client.request(
        "POST",
        "/customervault/v1/profiles",
        {"merchantCustomerId": "rid", "locale": "en_US"},
        headers={"X-Request-Id": f"order-{VISA}"},
    )
    assert reply.status == 201
    assert all(VISA not in v for v in reply.headers.values())
    metadata = await pool.fetchval(
        "SELECT metadata::text FROM vault.events WHERE stream_id = $1",
        f"profile-{reply.json['id']}",
    )
    assert VISA not in metadata
