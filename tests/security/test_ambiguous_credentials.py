"""Two Authorization headers: neither is taken (a proxy and the service could disagree on which
counts), the request is refused as carrying invalid credentials."""

from __future__ import annotations

import base64

import pytest

from service.api.auth import IssuedKey
from tests.security.rawhttp import send


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


@pytest.mark.parametrize("order", ["valid first", "valid last"])
async def test_two_authorization_headers_are_refused(
    api_url: str, merchant_key: IssuedKey, order: str
) -> None:
    valid = _basic(merchant_key.key_id, merchant_key.secret)
    bogus = _basic("key-0000", "wrong")
    first, second = (valid, bogus) if order == "valid first" else (bogus, valid)
    reply = await send(
        api_url,
        (
            "GET /customervault/v1/profiles?merchantCustomerId=x HTTP/1.1\r\nHost: a\r\n"
            f"Authorization: {first}\r\nAuthorization: {second}\r\nConnection: close\r\n\r\n"
        ).encode(),
    )
    assert (reply.status, reply.headers["x-application-status-code"]) == (401, "5279")


async def test_one_authorization_header_still_works(api_url: str, merchant_key: IssuedKey) -> None:
    reply = await send(
        api_url,
        (
            "GET /customervault/v1/profiles?merchantCustomerId=nobody HTTP/1.1\r\nHost: a\r\n"
            f"Authorization: {_basic(merchant_key.key_id, merchant_key.secret)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode(),
    )
    assert reply.status == 404 and reply.headers["x-application-status-code"] == "5269"
