"""API keys and token-service clients: `vault merchants revoke` stops a key on every replica within
the cache time; secrets are stored as peppered HMACs, and legacy SHA-256 rows are converted without
knowing any secret (`vault merchants pepper`, `vault tokens clients pepper`)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest

from events.crypto import Keyring
from infra.pepper import Pepper
from service.admin.migrations import migrate
from service.api.app import create_app
from service.api.auth import IssuedKey, issue_api_key
from service.settings import Settings
from service.tokens.clients import ClientAuthenticator, create_client
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


@pytest.fixture
async def own_database(owner_url: str, pool: asyncpg.Pool) -> AsyncIterator[str]:
    """A database of its own: the conversion rewrites every row, and the suite's session-wide
    token service (no pepper) must keep authenticating its clients."""
    name = f"pepper_{uuid.uuid4().hex[:10]}"
    await pool.execute(f'CREATE DATABASE "{name}"')
    url = f"{owner_url.rsplit('/', 1)[0]}/{name}"  # the migrating owner: it runs migrations
    await migrate(url)
    yield url
    await pool.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def test_client_secrets_are_peppered_and_legacy_ones_converted_by_the_cli(
    own_database: str, process_env: dict[str, str]
) -> None:
    pepper = Pepper(PEPPER.encode())
    pool = await asyncpg.create_pool(own_database, min_size=1, max_size=2)
    assert pool is not None
    try:
        new = await create_client(pool, "new", ["detokenize"], all_merchants=True, pepper=pepper)
        legacy = await create_client(
            pool, "old", ["tokenize"], all_merchants=True, pepper=Pepper(b"")
        )
        query = (
            "SELECT secret_sha256, secret_peppered FROM tokens.service_clients WHERE client_id = $1"
        )
        stored, peppered = await pool.fetchrow(query, new.client_id)
        digest = hashlib.sha256(new.secret.encode()).digest()
        assert (
            peppered and bytes(stored) == hmac.new(PEPPER.encode(), digest, hashlib.sha256).digest()
        )
        assert not (await pool.fetchrow(query, legacy.client_id))["secret_peppered"]
        assert await ClientAuthenticator(pool, pepper=pepper).authenticate(
            legacy.client_id, legacy.secret
        )

        env = {
            **process_env,
            "DATABASE_URL": own_database,
            "VAULT_TOKENS_DATABASE_URL": own_database,
        }
        code, _, err = await vault_cli(env, "tokens", "clients", "pepper")
        assert code == 1 and "VAULT_SECRET_PEPPER" in err
        code, out, err = await vault_cli(
            {**env, "VAULT_SECRET_PEPPER": PEPPER}, "tokens", "clients", "pepper"
        )
        assert code == 0 and "peppered 1 " in out, err
        assert (await pool.fetchrow(query, legacy.client_id))["secret_peppered"]

        authenticator = ClientAuthenticator(pool, pepper=pepper)
        for client in (new, legacy):
            caller = await authenticator.authenticate(client.client_id, client.secret)
            assert caller is not None and caller.client_id == client.client_id
            assert await authenticator.authenticate(client.client_id, client.secret + "x") is None
        # Without the pepper a peppered row authenticates no one.
        assert (
            await ClientAuthenticator(pool, pepper=Pepper(b"")).authenticate(
                new.client_id, new.secret
            )
            is None
        )
    finally:
        await pool.close()


async def test_unknown_client_ids_are_cached_like_known_ones(pool: asyncpg.Pool) -> None:
    authenticator = ClientAuthenticator(pool, ttl=3600)
    issued = await create_client(pool, "late", ["tokenize"], all_merchants=True)
    unknown = f"tsc-{uuid.uuid4().hex[:16]}"
    assert await authenticator.authenticate(unknown, issued.secret) is None
    # The id now exists: the cached "no such client" still answers until it expires.
    await pool.execute(
        "UPDATE tokens.service_clients SET client_id = $1 WHERE client_id = $2",
        unknown,
        issued.client_id,
    )
    assert await authenticator.authenticate(unknown, issued.secret) is None
    assert (
        await ClientAuthenticator(pool, ttl=3600).authenticate(unknown, issued.secret) is not None
    )
