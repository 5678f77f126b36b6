"""Bodies the JSON decoder chokes on are a 400 5023, not a 500 with a traceback in the log."""

from __future__ import annotations

import logging

import pytest

from tests.support import VaultClient


async def test_invalid_utf8_inside_a_json_string_is_not_parseable(
    client: VaultClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        reply = await client.request(
            "POST", "/customervault/v1/profiles", raw=b'{"merchantCustomerId": "a\xff\xfeb"}'
        )
    assert (reply.status, reply.code) == (400, "5023"), reply.text
    assert reply.json["error"]["code"] == "5023"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
