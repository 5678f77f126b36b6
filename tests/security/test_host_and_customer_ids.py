"""A forged Host header does not steer Location; merchantCustomerId variants that read the same are
one customer (uniqueness and lookup), blank and invisible ids are refused."""

from __future__ import annotations

import base64
from urllib.parse import quote

from service.api.auth import IssuedKey
from tests.security.rawhttp import send
from tests.support import VaultClient


async def test_a_forged_host_does_not_reach_location(api_url: str, merchant_key: IssuedKey) -> None:
    body = b'{"merchantCustomerId": "host-test", "locale": "en_US"}'
    credentials = base64.b64encode(merchant_key.basic_credentials.encode()).decode()
    reply = await send(
        api_url,
        b"POST /customervault/v1/profiles HTTP/1.1\r\nHost: evil.example.com/x?\r\n"
        b"Authorization: Basic " + credentials.encode() + b"\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body,
    )
    assert reply.status == 201, reply.raw[:400]
    assert reply.headers["location"] == f"/customervault/v1/profiles/{reply.json['id']}"
    assert b"evil" not in reply.raw


async def test_customer_id_variants_are_one_customer(client: VaultClient) -> None:
    first = await client.create_profile(merchantCustomerId="Müller-7")
    for variant in ("Mu\u0308ller-7", " Müller-7\u3000", "\uff2d\u00fcller-7"):
        reply = await client.request(
            "POST", "/customervault/v1/profiles", {"merchantCustomerId": variant, "locale": "en_US"}
        )
        assert (reply.status, reply.code) == (409, "7505"), variant
        found = await client.request(
            "GET", f"/customervault/v1/profiles?merchantCustomerId={quote(variant)}"
        )
        assert found.status == 200 and found.json["id"] == first["id"], variant


async def test_blank_and_invisible_customer_ids_are_refused(client: VaultClient) -> None:
    for refused in ("   ", "\u200b", "a\tb", "a\u200bb", ""):
        reply = await client.request(
            "POST", "/customervault/v1/profiles", {"merchantCustomerId": refused, "locale": "en_US"}
        )
        assert (reply.status, reply.code) == (400, "5068"), repr(refused)
        assert reply.json["error"]["fieldErrors"][0]["field"] == "merchantCustomerId"
        lookup = await client.request(
            "GET", f"/customervault/v1/profiles?merchantCustomerId={quote(refused)}"
        )
        assert (lookup.status, lookup.code) == (400, "5068"), repr(refused)
