"""Idempotency records on PostgreSQL (vault.idempotency_keys): claims with a lease, and the unit
of work that holds a command's transaction open until its response is recorded in it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from asyncpg.transaction import Transaction

from infra.sqlfiles import Queries
from infra.supervision import keep_running, sleep_or_stop
from service.application.idempotency import (
    Claim,
    ClaimLost,
    KeyReused,
    RecordedResponse,
    RequestInFlight,
)


class _Sql(Queries, package="service"):
    idempotency_claim: str
    idempotency_get: str
    idempotency_remember: str
    idempotency_release: str
    idempotency_purge: str


log = logging.getLogger(__name__)


class PostgresIdempotency:
    def __init__(
        self, pool: asyncpg.Pool, *, lease_seconds: float, retention_seconds: float
    ) -> None:
        self._pool = pool
        self._lease = lease_seconds
        self._retention = retention_seconds

    async def claim(self, claim: Claim) -> RecordedResponse | None:
        # Autocommit: the claim is visible to every replica before the work starts.
        args = (claim.merchant_id, claim.key, claim.fingerprint)
        owner = await self._pool.fetchval(_Sql.idempotency_claim, *args, claim.owner, self._lease)
        if owner == claim.owner:
            return None
        row = await self._pool.fetchrow(_Sql.idempotency_get, claim.merchant_id, claim.key)
        if row is None:  # purged or released in between: claim afresh
            return await self.claim(claim)
        if bytes(row["fingerprint"]) != claim.fingerprint:
            raise KeyReused(claim.key)
        if row["response_status"] is None:
            raise RequestInFlight(claim.key)
        return RecordedResponse(
            status=row["response_status"],
            headers=json.loads(row["response_headers"]),
            body=bytes(row["response_body"]),
        )

    def unit_of_work(self, claim: Claim) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._pool, claim)

    async def purge(self) -> int:
        status: str = await self._pool.execute(_Sql.idempotency_purge, self._retention)
        return int(status.split()[-1])


class PostgresUnitOfWork:
    """The connection and transaction of one idempotent request. The profile store runs each save
    in a savepoint of it, so a refused append undoes only itself and the command may retry."""

    def __init__(self, pool: asyncpg.Pool, claim: Claim) -> None:
        self.claim = claim
        self._pool = pool
        self._conn: asyncpg.Connection | None = None
        self._tx: Transaction | None = None
        self._undo: list[Callable[[], None]] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    def on_rollback(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(action)

    async def connection(self) -> asyncpg.Connection:
        if self._conn is None:
            conn = await self._pool.acquire()
            tx = conn.transaction()
            try:
                await tx.start()
            except BaseException:
                await self._pool.release(conn)
                raise
            self._conn, self._tx = conn, tx
        return self._conn

    async def commit(self, response: RecordedResponse) -> None:
        conn = await self.connection()
        c = self.claim
        headers = json.dumps(dict(response.headers))
        try:
            remembered = await conn.fetchval(
                _Sql.idempotency_remember,
                c.merchant_id,
                c.key,
                c.owner,
                response.status,
                headers,
                response.body,
            )
            if remembered is None:
                raise ClaimLost(c.key)
            assert self._tx is not None
            await self._tx.commit()
            self._tx = None
        finally:
            await self._close()
        # Only after the commit: a removal's token is destroyed once the removal is durable, so a
        # failure in between leaves an orphan for reconciliation, never a dangling instrument.
        for action in self._after_commit:
            await action()

    async def abandon(self) -> None:
        await self._close()
        c = self.claim
        await self._pool.execute(_Sql.idempotency_release, c.merchant_id, c.key, c.owner)

    async def _close(self) -> None:
        """Roll back what did not commit, undo what it left in memory, give the connection back."""
        conn, tx = self._conn, self._tx
        self._conn = self._tx = None
        try:
            if tx is not None:
                for undo in self._undo:
                    undo()
                if conn is not None and not conn.is_closed():
                    await tx.rollback()
        finally:
            if conn is not None:
                await self._pool.release(conn)


async def purge_idempotency_records(records: PostgresIdempotency, interval: float) -> None:
    """The API process's purge job: every ``interval``, supervised (an outage is retried)."""
    stop = asyncio.Event()

    async def purge(stop: asyncio.Event) -> None:
        while not stop.is_set():
            purged = await records.purge()
            if purged:
                log.info("idempotency records purged", extra={"purged": purged})
            await sleep_or_stop(stop, interval)

    try:
        await keep_running("idempotency purge", purge, stop)
    finally:
        stop.set()
