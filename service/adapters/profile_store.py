"""The profile store on PostgreSQL: the event store, the personal data keys, the merchantCustomerId
uniqueness rows and the inline view, all on one connection inside one transaction.

The SQL lives in .sql files beside each owner (events/sql, service/sql, projections/sql).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from events.envelope import NewEvent, RecordedEvent, profile_stream
from events.personal_keys import PersonalDataKeys
from events.store import PostgresEventStore, WrongExpectedVersion
from events.types import Event
from infra.sqlfiles import Queries
from projections import profile_view
from projections.rows import EventContext
from projections.runners.apply import apply
from service.adapters.idempotency_store import PostgresUnitOfWork
from service.application import idempotency
from service.application.profiles import ProfileCommands
from service.application.repository import ProfileRepository


class _Sql(Queries, package="service"):
    customer_id_claim: str
    customer_id_holder: str
    customer_id_release: str


class PostgresProfileTransaction:
    def __init__(
        self, conn: asyncpg.Connection, events: PostgresEventStore, keys: PersonalDataKeys
    ) -> None:
        self._conn = conn
        self._events = events
        self._keys = keys

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        return await self._events.read_stream(self._conn, stream_id, after_version)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[tuple[int, dt.datetime]]:
        return await self._events.append(self._conn, stream_id, expected_version, events)

    async def create_data_key(self, subject_id: uuid.UUID) -> bytes:
        return await self._keys.create(self._conn, subject_id)

    async def fetch_data_key(self, subject_id: uuid.UUID) -> bytes | None:
        return await self._keys.fetch(self._conn, subject_id)

    async def destroy_data_key(self, subject_id: uuid.UUID) -> None:
        await self._keys.destroy(self._conn, subject_id)

    async def claim_customer_id(
        self, merchant_id: uuid.UUID, customer_id: str, profile_id: uuid.UUID
    ) -> uuid.UUID | None:
        if (
            await self._conn.fetchval(_Sql.customer_id_claim, merchant_id, customer_id, profile_id)
            is not None
        ):
            return None
        # A fresh statement sees the holder even if it committed after our claim began.
        holder: uuid.UUID | None = await self._conn.fetchval(
            _Sql.customer_id_holder, merchant_id, customer_id
        )
        if holder is None:  # released again in the meantime: decide once more
            raise WrongExpectedVersion(profile_stream(profile_id), -1)
        return holder

    async def release_customer_id(self, profile_id: uuid.UUID) -> None:
        await self._conn.execute(_Sql.customer_id_release, profile_id)

    async def project(self, event: Event, context: EventContext) -> None:
        await apply(self._conn, profile_view.project(event, context))


class PostgresProfileStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        keys: PersonalDataKeys,
        *,
        events: PostgresEventStore | None = None,
    ) -> None:
        self._pool = pool
        self._keys = keys
        self._events = events or PostgresEventStore()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[PostgresProfileTransaction]:
        async with self._pool.acquire() as conn:
            yield PostgresProfileTransaction(conn, self._events, self._keys)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresProfileTransaction]:
        unit = idempotency.CURRENT.get()
        try:
            if isinstance(unit, PostgresUnitOfWork):
                # An idempotent request's: a savepoint of the transaction that commits with its
                # recorded response (service.application.idempotency).
                conn = await unit.connection()
                async with conn.transaction():
                    yield PostgresProfileTransaction(conn, self._events, self._keys)
                return
            async with self._pool.acquire() as conn, conn.transaction():
                yield PostgresProfileTransaction(conn, self._events, self._keys)
        except asyncpg.DeadlockDetectedError as exc:
            # A deadlock (e.g. two profiles swapping merchantCustomerIds, or a rebuild taking the
            # view's locks) is a conflict like any other: the caller decides again.
            raise WrongExpectedVersion("(deadlock)", -1) from exc

    async def read_committed(self, after: tuple[int, int], limit: int) -> list[RecordedEvent]:
        return await self._events.read_committed(self._pool, after, limit)


def postgres_profile_commands(
    pool: asyncpg.Pool, keys: PersonalDataKeys, *, max_attempts: int = 8
) -> ProfileCommands:
    """The command handler on PostgreSQL, as a process wires it."""
    repository = ProfileRepository(PostgresProfileStore(pool, keys))
    return ProfileCommands(repository, max_attempts=max_attempts)
