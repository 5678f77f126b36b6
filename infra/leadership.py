"""One active replica of a background loop (the relay, the audit publisher, the token reconciler).

The leader holds a session-level PostgreSQL advisory lock on a dedicated connection and does its
work on that same connection: when the connection goes, so does the lock, and whatever the stale
leader still tries to write there fails with it, so a standby that took over is never overtaken.
Standbys keep asking for the lock and report themselves healthy: they are ready to take over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from infra.db import ssl_options
from infra.kafka_security import kafka_security
from infra.supervision import LoopHealth, keep_running, sleep_or_stop

log = logging.getLogger(__name__)

Work = Callable[[asyncpg.Connection, asyncio.Event], Awaitable[None]]
"""What the leader does until ``stop``, on the connection that holds the lock."""


@dataclass(frozen=True)
class SessionLock:
    database_url: str
    try_lock: str  # SQL answering whether this session took the advisory lock
    args: tuple[object, ...] = ()
    standby_seconds: float = 1.0  # how often a standby asks again


def _nothing(*_: object) -> None:
    return None


class LeaderLoop:
    """``work`` run by whichever replica holds ``lock``, kept alive by ``keep_running`` (bounded
    backoff, ``health`` for /readyz). ``on_change(True)`` when this replica becomes the leader,
    ``on_change(False)`` when it stops being one; ``on_failure`` on an unexpected error."""

    def __init__(
        self,
        name: str,
        lock: SessionLock,
        work: Work,
        *,
        on_change: Callable[[bool], None] = _nothing,
        on_failure: Callable[[], None] = _nothing,
    ) -> None:
        self.name = name
        self.health = LoopHealth(name)
        self.is_leader = False
        self._lock = lock
        self._work = work
        self._on_change = on_change
        self._on_failure = on_failure

    async def run(self, stop: asyncio.Event) -> None:
        """Lead or stand by until ``stop`` is set; after a failure, again with a bounded backoff."""
        await keep_running(
            self.name,
            self._lead,
            stop,
            on_failure=self._on_failure,
            on_exit=lambda: self._set_leader(False),
            health=self.health,
        )

    async def _lead(self, stop: asyncio.Event) -> None:
        lock = self._lock
        conn = await asyncpg.connect(lock.database_url, **ssl_options())
        try:
            while not await conn.fetchval(lock.try_lock, *lock.args):
                log.debug(f"another {self.name} is active; waiting as standby")
                self.health.ok()
                await sleep_or_stop(stop, lock.standby_seconds)
                if stop.is_set():
                    return
            log.info(f"{self.name} is the active leader")
            self._set_leader(True)
            await self._work(conn, stop)
        finally:
            await conn.close()

    def _set_leader(self, leading: bool) -> None:
        self.is_leader = leading
        self._on_change(leading)


Publish = Callable[[asyncpg.Connection, AIOKafkaProducer, asyncio.Event], Awaitable[None]]


def publishing(bootstrap_servers: str, publish: Publish, **producer_options: Any) -> Work:
    """``publish`` as a leader's work, given an idempotent producer for as long as it runs."""

    async def work(conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        async with idempotent_producer(bootstrap_servers, **producer_options) as producer:
            await publish(conn, producer, stop)

    return work


@asynccontextmanager
async def idempotent_producer(
    bootstrap_servers: str, **options: Any
) -> AsyncIterator[AIOKafkaProducer]:
    """A started Kafka producer with idempotence (and so acks=all): its own retries keep each
    partition's order. Stopping it flushes what is in flight."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(),
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        **options,
    )
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()
