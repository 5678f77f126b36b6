"""Requests aiohttp's parser refuses are answered with Paysafe JSON, never echo request bytes (a
malformed Authorization line used to come back with its credentials), and are logged without them."""

from __future__ import annotations

import base64
import logging

import pytest

from tests.security.rawhttp import send

SECRET = "B-very-secret-value-0123456789"
CREDENTIALS = base64.b64encode(f"key-abc:{SECRET}".encode()).decode()

ATTACKS = {
    "control character in Authorization": (
        f"GET /x HTTP/1.1\r\nHost: a\r\nAuthorization: Basic {CREDENTIALS}\x01x\r\n\r\n"
    ).encode(),
    "over-long URL": b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",
    "over-long header": b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
    "too many headers": b"GET / HTTP/1.1\r\nHost: a\r\n"
    + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    + b"\r\n",
    "conflicting Content-Length": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
    b"Content-Length: 2\r\n\r\nab",
    "Transfer-Encoding with Content-Length": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "unknown method": b"FR\x01B / HTTP/1.1\r\nHost: a\r\n\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    "control character in a header value": f"GET / HTTP/1.1\r\nHost: a\r\nX-Api: {SECRET}\x7f\r\n\r\n".encode(),
    "1 MB URL": b"GET /" + b"u" * 1_000_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",
}


@pytest.mark.parametrize("service", ["api", "tokens"])
@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_unparseable_requests_get_json_errors_without_echo(
    service: str,
    attack: str,
    api_url: str,
    tokens_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = api_url if service == "api" else tokens_url
    with caplog.at_level(logging.DEBUG):
        reply = await send(url, ATTACKS[attack])
    assert reply.status == 400, reply.raw[:300]
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["x-application-status-code"] == "5023"
    assert reply.json["error"]["code"] == "5023"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "aiohttp" not in reply.headers.get("server", "") and "ython" not in reply.raw.decode(
        "latin-1"
    )
    assert SECRET.encode() not in reply.raw and CREDENTIALS.encode() not in reply.raw
    for record in caplog.records:
        text = record.getMessage() + str(record.__dict__) + str(record.exc_text or "")
        assert SECRET not in text and CREDENTIALS not in text, text[:300]
        assert record.levelno < logging.ERROR, text[:300]
