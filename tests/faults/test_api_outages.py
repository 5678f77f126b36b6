"""The vault API through a PostgreSQL outage and a token-service outage: 503 with a code the
client can act on and Retry-After, one warning per outage, and recovery without a restart."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import asyncpg
import pytest

from events.crypto import Keyring
from infra.outages import quiet_pool_retries
from service.api.app import create_app
from service.api.auth import create_merchant, issue_api_key
from service.settings import Settings
from tests.conftest import serve
from tests.faults.servers import OwnServers
from tests.support import VaultClient, free_port

pytestmark = pytest.mark.integration
PROFILES = "/customervault/v1/profiles"


async def test_a_postgres_outage_answers_503_1099_and_the_api_recovers_by_itself(
    own_servers: OwnServers,
    own_settings: Settings,
    own_pool: asyncpg.Pool,
    keyring: Keyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = await issue_api_key(own_pool, await create_merchant(own_pool, "outage"), "server")
    await own_pool.close()  # the outage takes the test's own connections down too
    quiet_pool_retries()  # as run_process does
    runner, url = await serve(create_app(own_settings, keyring))
    try:
        async with VaultClient(url, key) as client:
            await client.create_profile()
            caplog.clear()
            with caplog.at_level(logging.INFO):
                own_servers.postgres_stop_immediate()
                replies = [await client.request("GET", f"{PROFILES}?merchantCustomerId=x")]
                replies += [
                    await client.request(
                        "POST", PROFILES, {"merchantCustomerId": f"o{i}", "locale": "en_US"}
                    )
                    for i in range(5)
                ]
                assert {r.status for r in replies} == {503}
                for reply in replies:
                    assert reply.json["error"]["code"] == "1099"
                    assert reply.headers["X-Application-Status-Code"] == "1099"
                    assert int(reply.headers["Retry-After"]) > 0
                own_servers.postgres_restart()
                deadline = time.monotonic() + 30
                while (reply := await client.request("GET", "/customervault/monitor")) and (
                    await client.request(
                        "POST", PROFILES, {"merchantCustomerId": "back", "locale": "en_US"}
                    )
                ).status != 201:
                    assert time.monotonic() < deadline, "the API did not recover"
                    await asyncio.sleep(0.2)
                while not any("recovered" in r.getMessage() for r in caplog.records):
                    assert time.monotonic() < deadline, "recovery was never logged"
                    await asyncio.sleep(0.1)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in warnings if r.name != "aiohttp.access"] == [
            "postgres unavailable; answering 503 until it recovers"
        ]
        assert not any(r.exc_info for r in caplog.records), "no stack trace for an outage"
    finally:
        await runner.cleanup()


async def test_a_token_service_outage_answers_503_with_retry_after(
    settings: Settings, pool: asyncpg.Pool, keyring: Keyring, caplog: pytest.LogCaptureFixture
) -> None:
    key = await issue_api_key(pool, await create_merchant(pool, "no-tokens"), "server")
    # Nothing listens there: every call to the token service is refused.
    down = replace(settings, tokens_url=f"http://127.0.0.1:{free_port()}")
    runner, url = await serve(create_app(down, keyring))
    try:
        async with VaultClient(url, key) as client:
            profile = await client.create_profile()
            card = {"cardNum": "4111111111111111", "cardExpiry": {"month": 12, "year": 2040}}
            with caplog.at_level(logging.INFO):
                replies = [
                    await client.request("POST", f"{PROFILES}/{profile['id']}/cards", card)
                    for _ in range(3)
                ]
        assert {r.status for r in replies} == {503}
        assert {r.json["error"]["code"] for r in replies} == {"1000"}
        assert all(int(r.headers["Retry-After"]) > 0 for r in replies)
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert warnings == ["token service unavailable; answering 503 until it recovers"]
    finally:
        await runner.cleanup()
