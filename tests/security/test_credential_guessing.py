"""Guessing credentials: after a few failures a source, or a key id, is answered 429 with
Retry-After (even with the right secret) until its window ends, on both services."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from prometheus_client import REGISTRY

from events.crypto import Keyring
from infra.throttle import (
    FailedLogins,
    FailedLoginTally,
    FailureLimiter,
    client_address,
)
from infra.transport_settings import AuthSettings
from service.api.app import create_app
from service.api.auth import IssuedKey, create_merchant, issue_api_key
from service.settings import Settings
from service.tokens import app as token_app
from service.tokens.clients import create_client
from tests.conftest import serve

PROFILES = "/customervault/v1/profiles?merchantCustomerId=nobody"


async def _serve_api(
    api_settings: Settings, keyring: Keyring, monkeypatch: pytest.MonkeyPatch, source: int, key: int
) -> AsyncIterator[str]:
    monkeypatch.setenv("VAULT_AUTH_MAX_FAILURES_PER_SOURCE", str(source))
    monkeypatch.setenv("VAULT_AUTH_MAX_FAILURES_PER_KEY", str(key))
    runner, url = await serve(create_app(api_settings, keyring))
    try:
        yield url
    finally:
        await runner.cleanup()


async def _get(url: str, user: str, secret: str) -> tuple[int, dict[str, str], str]:
    headers = {"Authorization": aiohttp.encode_basic_auth(user, secret)}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.text()


@pytest.fixture
async def strict_api(
    api_settings: Settings, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    async for url in _serve_api(api_settings, keyring, monkeypatch, source=5, key=1000):
        yield url


async def test_a_guessing_source_is_throttled(strict_api: str, merchant_key: IssuedKey) -> None:
    before = REGISTRY.get_sample_value(
        "vault_auth_throttled_total", {"service": "vault-api", "scope": "source"}
    )
    for attempt in range(5):
        status, _, _ = await _get(strict_api + PROFILES, f"key-guess{attempt}", "wrong")
        assert status == 401
    status, headers, text = await _get(
        strict_api + PROFILES, merchant_key.key_id, merchant_key.secret
    )
    assert status == 429, text
    assert headers["X-Application-Status-Code"] == "5599" and '"5599"' in text
    assert 1 <= int(headers["Retry-After"]) <= 60
    after = REGISTRY.get_sample_value(
        "vault_auth_throttled_total", {"service": "vault-api", "scope": "source"}
    )
    assert (after or 0) == (before or 0) + 1


async def test_a_guessed_key_id_is_throttled_for_everyone(
    api_settings: Settings,
    keyring: Keyring,
    monkeypatch: pytest.MonkeyPatch,
    merchant_key: IssuedKey,
    pool: asyncpg.Pool,
) -> None:
    other = await issue_api_key(pool, await create_merchant(pool, f"m-{uuid.uuid4()}"), "server")
    async for url in _serve_api(api_settings, keyring, monkeypatch, source=1000, key=3):
        for _ in range(3):
            assert (await _get(url + PROFILES, merchant_key.key_id, "wrong"))[0] == 401
        assert (await _get(url + PROFILES, merchant_key.key_id, merchant_key.secret))[0] == 429
        # Another key from the same address is not affected.
        assert (await _get(url + PROFILES, other.key_id, other.secret))[0] == 404


async def test_the_token_service_throttles_guessing_too(
    tokens_url: str, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = AuthSettings(max_failures_per_source=4, max_failures_per_key=1000)
    monkeypatch.setattr(token_app, "_LIMITER", FailureLimiter("token-service", settings))
    client = await create_client(pool, "payments", ["detokenize"], all_merchants=True)
    url = f"{tokens_url}/tokens/v1/resolve"
    async with aiohttp.ClientSession() as session:
        for attempt in range(5):
            auth = {"Authorization": aiohttp.encode_basic_auth(f"tsc-guess{attempt}", "wrong")}
            async with session.post(url, json={}, headers=auth) as response:
                assert response.status == (401 if attempt < 4 else 429)
        auth = {"Authorization": aiohttp.encode_basic_auth(client.client_id, client.secret)}
        async with session.post(url, json={}, headers=auth) as response:
            assert response.status == 429
            assert int(response.headers["Retry-After"]) >= 1
            assert (await response.json())["error"]["code"] == "5599"


def test_windows_end() -> None:
    now = [1000.0]
    limiter = FailureLimiter(
        "test", AuthSettings(window_seconds=60, max_failures_per_source=2), clock=lambda: now[0]
    )
    limiter.failed("1.2.3.4", "k1")
    limiter.failed("1.2.3.4", "k2")
    with pytest.raises(Exception) as refused:
        limiter.check("1.2.3.4", "k3")
    assert refused.value.headers["Retry-After"] == "20"  # type: ignore[attr-defined]
    limiter.check("5.6.7.8", "k3")
    now[0] = 1021.0
    limiter.check("1.2.3.4", "k3")


async def test_failed_logins_are_audited_once_per_source_and_window() -> None:
    tally = FailedLoginTally()
    for _ in range(1000):
        tally.add("10.0.0.1", "tsc-x")
    tally.add("10.0.0.2", None)
    written: list[FailedLogins] = []

    async def write(record: FailedLogins) -> None:
        written.append(record)

    stop = asyncio.Event()
    stop.set()
    await tally.run(stop, write, window=60)
    assert sorted(written, key=lambda r: r.source) == [
        FailedLogins("10.0.0.1", "tsc-x", 1000),
        FailedLogins("10.0.0.2", None, 1),
    ]
    assert tally.drain() == []


def test_the_client_behind_a_trusted_proxy_is_counted_not_the_proxy() -> None:
    def request(peer: str, forwarded: str | None) -> web.Request:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return make_mocked_request("GET", "/", headers=headers, transport=_Peer(peer))

    proxies = "10.0.0.0/8"
    assert client_address(request("10.1.2.3", "203.0.113.7"), proxies) == "203.0.113.7"
    # Entries left of the first untrusted hop are the client's own claim: not believed.
    forged = request("10.1.2.3", "198.51.100.1, 203.0.113.7, 10.9.9.9")
    assert client_address(forged, proxies) == "203.0.113.7"
    # A peer that is not a trusted proxy is counted itself, whatever it forwards.
    assert client_address(request("203.0.113.9", "198.51.100.1"), proxies) == "203.0.113.9"
    assert client_address(request("10.1.2.3", "198.51.100.1"), "") == "10.1.2.3"


class _Peer:
    def __init__(self, address: str) -> None:
        self._address = address

    def get_extra_info(self, name: str, default: object = None) -> object:
        return (self._address, 12345) if name == "peername" else default
