"""Fixtures shared by integration and end-to-end tests.

The stack (a real PostgreSQL and a real Apache Kafka broker) is started once per session by
``devstack.LocalStack``: from DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, testcontainers when a
Docker engine answers, else local processes. Unit tests request none of these fixtures and start
nothing. Tests isolate themselves by data, not by databases: each test gets a fresh merchant (all
reads and writes are merchant-scoped) and, where it relays, its own topic and relay name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import asyncpg
import pytest
import yarl
from aiohttp import web

from devstack import Endpoints, LocalStack
from events.crypto import Keyring
from events.topics import ensure_topic
from infra.http_server import ServerRunner
from infra.logs import json_handler
from service.admin.migrations import migrate
from service.api.app import create_app
from service.api.auth import IssuedKey, create_merchant, issue_api_key
from service.settings import Settings
from service.tokens.app import create_app as create_token_app
from service.tokens.clients import create_client
from service.tokens.process import keyring_from
from service.tokens.settings import TokenServiceSettings
from tests.processes import Stack, build_stack
from tests.support import PaymentsClient, VaultClient

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    stack = LocalStack(
        work_dir=tmp_path_factory.mktemp("stack"), log=lambda m: print(m, file=sys.stderr)
    )
    try:
        yield stack.start()
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring.generate("test-kek-1")


@dataclass(frozen=True)
class DatabaseRoles:
    """Who connects as whom, as in production (docs/deploying.md): the migrating owner runs
    migrations, rebuild swaps and the tests' own inspection queries; the vault processes log in as
    `vault_app`, the token service as `vault_tokens`."""

    owner_url: str
    app_url: str
    tokens_url: str


def role_url(owner_url: str, role: str, password: str) -> str:
    return str(yarl.URL(owner_url).with_user(role).with_password(password))


@pytest.fixture(scope="session")
async def database_roles(endpoints: Endpoints) -> DatabaseRoles:
    """Migrates, then gives the two runtime roles (created NOLOGIN by the migrations) a login and
    a fresh password, as production's managed roles have."""
    await migrate(endpoints.database_url)
    urls = {}
    conn = await asyncpg.connect(endpoints.database_url)
    try:
        for role in ("vault_app", "vault_tokens"):
            password = secrets.token_urlsafe(24)
            await conn.execute(f"ALTER ROLE {role} LOGIN PASSWORD '{password}'")
            urls[role] = role_url(endpoints.database_url, role, password)
    finally:
        await conn.close()
    return DatabaseRoles(endpoints.database_url, urls["vault_app"], urls["vault_tokens"])


@pytest.fixture(scope="session")
def owner_url(database_roles: DatabaseRoles) -> str:
    return database_roles.owner_url


@pytest.fixture(scope="session")
async def settings(
    database_roles: DatabaseRoles, endpoints: Endpoints, keyring: Keyring
) -> Settings:
    """The vault processes' settings: they connect as `vault_app`."""
    return Settings(
        database_url=database_roles.app_url,
        kafka_bootstrap_servers=endpoints.kafka_bootstrap_servers,
        personal_data_keks=keyring.spec(),
        topic_partitions=3,
        db_pool_max=10,
    )


@pytest.fixture(scope="session")
def token_settings(settings: Settings, database_roles: DatabaseRoles) -> TokenServiceSettings:
    """The token service's own settings on the same test stack: it connects as `vault_tokens`."""
    return TokenServiceSettings(
        database_url=database_roles.tokens_url,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        keks=Keyring.generate("test-token-kek-1").spec(),
        topic_partitions=3,
        db_pool_max=10,
    )


@pytest.fixture(scope="session")
async def pool(owner_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The migrating owner's pool: the tests' setup (merchants, clients) and inspection queries."""
    pool = await asyncpg.create_pool(owner_url, min_size=1, max_size=10)
    yield pool
    await pool.close()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = ServerRunner(app, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture(scope="session")
async def tokens_url(token_settings: TokenServiceSettings) -> AsyncIterator[str]:
    """The token service on a real socket, in this process (its own pool). Its audit rows are
    published by whichever `vault tokens` process runs, so their topic must exist, as the
    process makes sure at its start."""
    await ensure_topic(
        token_settings.kafka_bootstrap_servers,
        token_settings.audit_topic,
        partitions=1,
        replication_factor=1,
    )
    runner, url = await serve(create_token_app(token_settings, keyring_from(token_settings)))
    yield url
    await runner.cleanup()


@pytest.fixture(scope="session")
async def api_settings(settings: Settings, tokens_url: str, pool: asyncpg.Pool) -> Settings:
    """Settings of the vault API: the test stack plus a token-service client with `tokenize`."""
    client = await create_client(
        pool, "vault-api", ["tokenize", "audit", "reconcile"], all_merchants=True
    )
    return replace(
        settings,
        tokens_url=tokens_url,
        tokens_client_id=client.client_id,
        tokens_client_secret=client.secret,
    )


@pytest.fixture(scope="session")
async def api_url(api_settings: Settings, keyring: Keyring) -> AsyncIterator[str]:
    """The vault API on a real socket, in this process (its own pool and connection)."""
    runner, url = await serve(create_app(api_settings, keyring))
    yield url
    await runner.cleanup()


@pytest.fixture(scope="session")
async def payments(tokens_url: str, pool: asyncpg.Pool) -> AsyncIterator[PaymentsClient]:
    """A platform-wide card-payments / direct-debit service: a token-service client with
    `detokenize` for every merchant (tests make a merchant each; merchant-bound clients are tested
    in tests/integration/tokens)."""
    client = await create_client(pool, "card-payments", ["detokenize"], all_merchants=True)
    async with PaymentsClient(tokens_url, client.client_id, client.secret) as c:
        yield c


@pytest.fixture
async def sut_client(
    api_url: str, merchant_key: IssuedKey, pool: asyncpg.Pool
) -> AsyncIterator[VaultClient]:
    """The same merchant's single-use-token key (as a client device holds it)."""
    key = await issue_api_key(pool, merchant_key.merchant_id, "single_use")
    async with VaultClient(api_url, key) as c:
        yield c


@pytest.fixture
async def merchant_key(pool: asyncpg.Pool) -> IssuedKey:
    merchant_id = await create_merchant(pool, f"merchant-{uuid.uuid4()}")
    return await issue_api_key(pool, merchant_id, "server")


@pytest.fixture
async def client(api_url: str, merchant_key: IssuedKey) -> AsyncIterator[VaultClient]:
    async with VaultClient(api_url, merchant_key) as c:
        yield c


@pytest.fixture
async def other_client(api_url: str, pool: asyncpg.Pool) -> AsyncIterator[VaultClient]:
    """A second merchant, to prove tenant isolation."""
    merchant_id = await create_merchant(pool, f"other-{uuid.uuid4()}")
    key = await issue_api_key(pool, merchant_id, "server")
    async with VaultClient(api_url, key) as c:
        yield c


@pytest.fixture
async def topic(settings: Settings) -> str:
    name = f"test.profile-events.{uuid.uuid4().hex[:12]}"
    await ensure_topic(settings.kafka_bootstrap_servers, name, partitions=3, replication_factor=1)
    return name


@pytest.fixture
def process_env(settings: Settings, token_settings: TokenServiceSettings) -> dict[str, str]:
    """Environment for running ``python -m service …`` processes against the test stack, each
    under its production role (`vault_app`, and `vault_tokens` for the token service)."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "VAULT_TOKENS_DATABASE_URL": token_settings.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "VAULT_PERSONAL_DATA_KEKS": settings.personal_data_keks,
        "PYTHONPATH": str(REPO),
    }


@pytest.fixture
def owner_env(process_env: dict[str, str], owner_url: str) -> dict[str, str]:
    """Environment for the commands production runs with the migration credentials (`vault
    migrate`, `vault rebuild`)."""
    return {**process_env, "DATABASE_URL": owner_url}


@pytest.fixture
def session_factory() -> type[aiohttp.ClientSession]:
    return aiohttp.ClientSession


SUITE_LOG = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Every log record the in-process code emits during the run also goes through the production
    JSON formatter into one file, checked line by line when the session ends."""
    # The whole suite talks from 127.0.0.1 and many tests fail authentication on purpose; the
    # limits themselves are tested in tests/security/test_credential_guessing.py.
    os.environ.setdefault("VAULT_AUTH_MAX_FAILURES_PER_SOURCE", "100000")
    os.environ.setdefault("VAULT_AUTH_MAX_FAILURES_PER_KEY", "100000")
    path = Path(tempfile.mkdtemp(prefix="vault-suite-log-")) / "suite.jsonl"
    config.stash[SUITE_LOG] = path
    root = logging.getLogger()
    root.addHandler(json_handler(logging.FileHandler(path, encoding="utf-8"), "test-suite"))
    root.setLevel(logging.INFO)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.stash.get(SUITE_LOG, None)
    if path is None or not path.exists():
        return
    problems, count = [], 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        count += 1
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            problems.append(f"line {number} is not JSON: {line[:200]}")
            continue
        if not isinstance(record, dict) or not {"level", "logger", "message", "time"} <= set(
            record
        ):
            problems.append(f"line {number} lacks level/logger/message/time: {line[:200]}")
        elif record["message"] == "request" and not record.get("request_id"):
            problems.append(f"line {number} is a request without request_id: {line[:200]}")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        verdict = "all JSON" if not problems else f"{len(problems)} bad"
        reporter.write_line(f"suite log check: {count} lines, {verdict} ({path})")
        for problem in problems[:20]:
            reporter.write_line(f"  {problem}")
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


__all__ = ["asyncio"]


@pytest.fixture
async def stack(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    """A stack of real processes (tokens, api, relay, projector) for the tests that need all."""
    running = await build_stack(pool, process_env, token_settings.keks, tmp_path)
    try:
        await running.start_all()
        yield running
    finally:
        for process in running.processes.values():
            process.kill()
