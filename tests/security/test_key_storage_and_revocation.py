"""API keys: `vault merchants revoke` stops a key on every replica within the cache time; secrets
are stored as peppered HMACs, and legacy SHA-256 rows are converted without knowing any secret."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest

from events.crypto import Keyring
from infra.pepper import Pepper
from service.api.app import create_app
from service.api.auth import IssuedKey, issue_api_key
from service.settings import Settings
from tests.conftest import serve
from tests.processes import vault_cli

PEPPER = "p" * 16 + "e" * 16 + "pper-for-tests"
PROFILES = "/customervault/v1/profiles?merchantCustomerId=nobody"


async def _status(url: str, key: IssuedKey) -> int:
    headers = {"Authorization": aiohttp.encode_basic_auth(key.key_id, key.secret)}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status


@pytest.fixture
async def replicas(
    api_settings: Settings, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[list[str]]:
    """Two API replicas with a 2-second authenticator cache and the test pepper."""
    monkeypatch.setenv("VAULT_AUTH_CACHE_SECONDS", "2")
    monkeypatch.setenv("VAULT_SECRET_PEPPER", PEPPER)
    servers = [await serve(create_app(api_settings, keyring)) for _ in range(2)]
    try:
        yield [url + PROFILES for _, url in servers]
    finally:
        for runner, _ in servers:
            await runner.cleanup()


async def test_a_revoked_key_is_refused_everywhere_within_the_cache_time(
    replicas: list[str], merchant_key: IssuedKey, process_env: dict[str, str]
) -> None:
    for url in replicas:  # both replicas have the key cached now
        assert await _status(url, merchant_key) == 404
    code, _, err = await vault_cli(process_env, "merchants", "revoke", merchant_key.key_id)
    assert code == 0, err
    revoked_at = time.monotonic()
    for url in replicas:
        while await _status(url, merchant_key) != 401:
            assert time.monotonic() - revoked_at < 2.0 + 1.0, "still accepted after the cache time"
            await asyncio.sleep(0.1)
    code, _, err = await vault_cli(process_env, "merchants", "revoke", merchant_key.key_id)
    assert code == 1 and "no active API key" in err


async def test_new_secrets_are_stored_peppered(pool: asyncpg.Pool, merchant_key: IssuedKey) -> None:
    key = await issue_api_key(pool, merchant_key.merchant_id, "server", Pepper(PEPPER.encode()))
    stored, peppered = await pool.fetchrow(
        "SELECT secret_sha256, secret_peppered FROM vault.api_keys WHERE key_id = $1", key.key_id
    )
    legacy = hashlib.sha256(key.secret.encode()).digest()
    assert peppered and bytes(stored) != legacy
    assert bytes(stored) == hmac.new(PEPPER.encode(), legacy, hashlib.sha256).digest()


async def test_legacy_digests_are_peppered_in_place_and_keep_working(
    replicas: list[str], pool: asyncpg.Pool, merchant_key: IssuedKey, process_env: dict[str, str]
) -> None:
    legacy = await issue_api_key(pool, merchant_key.merchant_id, "server", Pepper(b""))
    assert await _status(replicas[0], legacy) == 404  # a legacy row still authenticates
    code, _, err = await vault_cli(
        {**process_env, "VAULT_SECRET_PEPPER": PEPPER}, "merchants", "pepper"
    )
    assert code == 0, err
    assert await pool.fetchval(
        "SELECT secret_peppered FROM vault.api_keys WHERE key_id = $1", legacy.key_id
    )
    assert await _status(replicas[1], legacy) == 404  # replica 1 had not cached it
    wrong = IssuedKey(legacy.merchant_id, legacy.key_id, legacy.secret + "x", "server")
    assert await _status(replicas[1], wrong) == 401
