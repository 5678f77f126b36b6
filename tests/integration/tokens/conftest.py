"""The token service in-process against the test stack: its app on a real socket, its audit
publisher and single-use purge as background tasks, and clients with chosen scopes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from events.topics import ensure_topic
from service.tokens.app import STORE, create_app
from service.tokens.audit import AuditPublisher, PublisherSettings
from service.tokens.clients import IssuedClient, create_client
from service.tokens.keyring import TokenKeyring, rotate_dir
from service.tokens.process import purge_expired_until_stopped
from service.tokens.settings import TokenServiceSettings
from tests.conftest import serve
from tests.support import Reply, read_topic, wait_until

CARD = "4111111111111111"


@dataclass
class TokenClient:
    base_url: str
    session: aiohttp.ClientSession
    client_id: str = ""
    secret: str = ""

    async def request(self, method: str, path: str, body: Any = None) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        return await self.send(method, path, data)

    async def send(self, method: str, path: str, data: bytes | None) -> Reply:
        """``data`` as it is: malformed bodies (invalid JSON or UTF-8) included."""
        async with self.session.request(
            method,
            f"{self.base_url}{path}",
            data=data,
            headers={"Content-Type": "application/json"},
        ) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def tokenize(self, merchant: uuid.UUID, kind: str, instrument: Any, **extra: Any) -> Any:
        body = {"merchantId": str(merchant), "kind": kind, "instrument": instrument, **extra}
        reply = await self.request("POST", "/tokens/v1/instruments", body)
        assert reply.status == 201, reply.text
        return reply.json

    async def resolve(self, merchant: uuid.UUID, token: str, purpose: str = "test") -> Reply:
        body = {"merchantId": str(merchant), "paymentToken": token, "purpose": purpose}
        return await self.request("POST", "/tokens/v1/resolve", body)


@dataclass
class TokenService:
    url: str
    settings: TokenServiceSettings
    keyring: TokenKeyring
    topic: str
    publisher: AuditPublisher
    client_factory: Callable[..., Awaitable[TokenClient]]

    async def client(
        self,
        *scopes: str,
        credentials: tuple[str, str] | None = None,
        merchants: tuple[uuid.UUID, ...] = (),
    ) -> TokenClient:
        """A client with ``scopes``, bound to ``merchants`` (none given: to all merchants)."""
        return await self.client_factory(*scopes, credentials=credentials, merchants=merchants)

    async def outbox_rows(self, pool: asyncpg.Pool, client_id: str) -> list[dict[str, Any]]:
        """The audit rows this service wrote for ``client_id`` (before any publishing)."""
        rows = await pool.fetch(
            "SELECT payload FROM tokens.audit_outbox WHERE topic = $1"
            " AND payload->>'clientId' = $2 ORDER BY id",
            self.topic,
            client_id,
        )
        return [json.loads(r["payload"]) for r in rows]

    async def audit_records(self) -> list[dict[str, Any]]:
        records = await read_topic(self.settings.kafka_bootstrap_servers, self.topic)
        return [json.loads(r.value) for r in records]


def card(number: str = CARD, **extra: Any) -> dict[str, Any]:
    return {"cardNum": number, "cardExpiry": {"month": 12, "year": 2050}, **extra}


@pytest.fixture
def keyring_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "keyring"
    # Each test its own KEK id: the database is shared, and one id must never name two keys.
    rotate_dir(directory, f"tok-kek-{uuid.uuid4().hex[:8]}")
    return directory


@pytest.fixture
def token_overrides() -> dict[str, Any]:
    """Settings a test module overrides (e.g. a tiny single-use TTL)."""
    return {}


@pytest.fixture
async def token_service(
    token_settings: TokenServiceSettings,
    pool: asyncpg.Pool,
    keyring_dir: Path,
    token_overrides: dict[str, Any],
) -> AsyncIterator[TokenService]:
    settings = token_settings
    topic = f"test.token-access.{uuid.uuid4().hex[:12]}"
    await ensure_topic(settings.kafka_bootstrap_servers, topic, partitions=3, replication_factor=1)
    token_settings = dataclasses.replace(
        settings,
        keyring_dir=str(keyring_dir),
        keyring_reload_seconds=0.5,
        audit_topic=topic,
        db_pool_max=8,
        **token_overrides,
    )
    keyring = TokenKeyring(directory=keyring_dir, reload_seconds=0.5)
    app = create_app(token_settings, keyring)
    runner, url = await serve(app)
    publisher = AuditPublisher(
        PublisherSettings(settings.database_url, settings.kafka_bootstrap_servers)
    )
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(publisher.run(stop)),
        asyncio.create_task(
            purge_expired_until_stopped(app, token_settings.single_use_purge_seconds, stop)
        ),
    ]
    sessions: list[aiohttp.ClientSession] = []

    async def make_client(
        *scopes: str, credentials: tuple[str, str] | None, merchants: tuple[uuid.UUID, ...]
    ) -> TokenClient:
        if credentials is None and scopes:
            issued: IssuedClient = await create_client(
                pool, "test", scopes, merchants=merchants, all_merchants=not merchants
            )
            credentials = (issued.client_id, issued.secret)
        headers = {"Authorization": aiohttp.encode_basic_auth(*credentials)} if credentials else {}
        session = aiohttp.ClientSession(headers=headers)
        sessions.append(session)
        return TokenClient(url, session, *(credentials or ("", "")))

    try:
        assert STORE in app
        yield TokenService(url, token_settings, keyring, topic, publisher, make_client)
    finally:
        for session in sessions:
            await session.close()
        stop.set()
        await asyncio.gather(*tasks)
        await runner.cleanup()


async def wait_for_audit(service: TokenService, count: int, **match: Any) -> list[dict[str, Any]]:
    """Audit records matching ``match`` once there are at least ``count`` of them."""
    found: list[dict[str, Any]] = []

    async def enough() -> bool:
        nonlocal found
        found = [
            r for r in await service.audit_records() if all(r.get(k) == v for k, v in match.items())
        ]
        return len(found) >= count

    await wait_until(enough)
    return found
