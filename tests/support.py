"""Helpers for tests: an HTTP client for the vault API and Kafka/Postgres readers."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from service.api.auth import IssuedKey

JSON = {"Content-Type": "application/json;charset=utf-8"}


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 30.0, interval: float = 0.05
) -> None:
    """Poll a condition (a plain or an async callable) until it holds; TimeoutError after
    ``timeout`` seconds. The condition is the proof: the interval is only how often to look."""
    async with asyncio.timeout(timeout):
        while True:
            held = predicate()
            if inspect.isawaitable(held):
                held = await held
            if held:
                return
            await asyncio.sleep(interval)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def code(self) -> str | None:
        return self.headers.get("X-Application-Status-Code")


class VaultClient:
    def __init__(
        self, base_url: str, key: IssuedKey | None, credentials: tuple[str, str] | None = None
    ):
        self.base_url = base_url
        self.key = key
        credentials = credentials or ((key.key_id, key.secret) if key else None)
        self._headers = (
            {"Authorization": aiohttp.encode_basic_auth(*credentials)} if credentials else {}
        )
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> VaultClient:
        self._session = aiohttp.ClientSession(headers=self._headers)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        assert self._session is not None
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        async with self._session.request(
            method, f"{self.base_url}{path}", data=data, headers={**JSON, **(headers or {})}
        ) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def create_profile(self, **fields: Any) -> dict[str, Any]:
        body = {"merchantCustomerId": str(uuid.uuid4()), "locale": "en_US", **fields}
        reply = await self.request("POST", "/customervault/v1/profiles", body)
        assert reply.status == 201, reply.text
        result: dict[str, Any] = reply.json
        return result


class PaymentsClient:
    """A payment service resolving vault tokens at the token service (`detokenize` scope)."""

    def __init__(self, tokens_url: str, client_id: str, secret: str) -> None:
        self._url = f"{tokens_url}/tokens/v1/resolve"
        self._headers = {"Authorization": aiohttp.encode_basic_auth(client_id, secret)}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> PaymentsClient:
        self._session = aiohttp.ClientSession(headers=self._headers)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        await self._session.close()

    async def resolve(
        self, merchant_id: uuid.UUID, payment_token: str, purpose: str = "card payment test"
    ) -> Reply:
        assert self._session is not None
        body = {"merchantId": str(merchant_id), "paymentToken": payment_token, "purpose": purpose}
        async with self._session.post(self._url, json=body) as response:
            return Reply(response.status, dict(response.headers), await response.text())


async def stream_version(pool: asyncpg.Pool, profile_id: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT coalesce(max(stream_version), 0) FROM vault.events WHERE stream_id = $1",
            f"profile-{profile_id}",
        )
    )


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record currently in ``topic``, read partition by partition up to the end offsets."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                for rs in batch.values():
                    records.extend(rs)
        return records
    finally:
        await consumer.stop()


# Each rebuildable view as ordered rows, to compare a rebuild with what was there before it.
SNAPSHOTS = {
    "profile-view": [
        "SELECT profile_id, merchant_id, merchant_customer_id, payment_token, stream_version, "
        "document, updated_at FROM vault.profile_view ORDER BY profile_id",
        "SELECT address_id, profile_id, merchant_id, position, document "
        "FROM vault.address_view ORDER BY address_id",
        "SELECT * FROM vault.card_view ORDER BY card_id",
        "SELECT * FROM vault.bank_account_view ORDER BY bank_account_id",
        "SELECT * FROM vault.mandate_view ORDER BY mandate_id",
    ],
    "customer-search": [
        "SELECT profile_id, merchant_id, merchant_customer_id, email, full_name, phone_digits, "
        "document, updated_at FROM vault.customer_search ORDER BY profile_id"
    ],
}


async def snapshot(pool: asyncpg.Pool, view: str) -> list[list[tuple]]:
    return [[tuple(r) for r in await pool.fetch(q)] for q in SNAPSHOTS[view]]
