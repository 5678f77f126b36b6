"""The PostgreSQL event store.

Every method takes the connection to run on, because an append must share its transaction with the
command's uniqueness rows and inline view rows (docs/architecture.md, "The write path"): the store never opens transactions itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeAlias

import asyncpg
import msgspec

from events.concurrency import WrongExpectedVersion
from events.envelope import NewEvent, RecordedEvent
from infra.sqlfiles import Queries

Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool


class _Sql(Queries, package="events"):
    append: str
    read_stream: str
    read_stream_after: str
    read_committed: str
    read_all_in_commit_order: str


_metadata_decoder = msgspec.json.Decoder(dict[str, Any])
_json_encoder = msgspec.json.Encoder()

__all__ = ["START", "Executor", "PostgresEventStore", "WrongExpectedVersion"]

START = (0, 0)
"""The commit position before the first event."""


def _recorded(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        global_position=row["global_position"],
        tx_id=row["tx_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        schema_version=row["schema_version"],
        data=bytes(row["data"]),
        metadata=_metadata_decoder.decode(row["metadata"]),
        recorded_at=row["recorded_at"],
    )


class PostgresEventStore:
    async def append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
    ) -> list[tuple[int, dt.datetime]]:
        """Append ``events`` after ``expected_version``; return each one's (version, recorded_at).

        Raises WrongExpectedVersion when another writer got there first. Inside a transaction the
        unique violation aborts that transaction, which is what we want: the caller's whole decision
        (events, uniqueness rows, view rows) was made against stale state and must be redone.
        """
        if not events:
            return []
        try:
            rows = await conn.fetch(
                _Sql.append,
                stream_id,
                expected_version,
                [e.event_id for e in events],
                [e.event_type for e in events],
                [e.schema_version for e in events],
                [e.data for e in events],
                [_json_encoder.encode(e.metadata).decode() for e in events],
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_pkey":
                raise WrongExpectedVersion(stream_id, expected_version) from exc
            raise
        if len(rows) != len(events):
            raise WrongExpectedVersion(stream_id, expected_version)
        return sorted((r["stream_version"], r["recorded_at"]) for r in rows)

    async def read_stream(
        self, conn: Executor, stream_id: str, after_version: int = 0
    ) -> list[RecordedEvent]:
        if after_version:
            rows = await conn.fetch(_Sql.read_stream_after, stream_id, after_version)
        else:
            rows = await conn.fetch(_Sql.read_stream, stream_id)
        return [_recorded(r) for r in rows]

    async def read_committed(
        self, conn: Executor, after: tuple[int, int], limit: int
    ) -> list[RecordedEvent]:
        """The next events in commit order after ``after`` = (tx_id, global_position)."""
        return [
            _recorded(r) for r in await conn.fetch(_Sql.read_committed, after[0], after[1], limit)
        ]

    async def read_all_locked(
        self, conn: Executor, after: tuple[int, int], limit: int
    ) -> list[RecordedEvent]:
        """Like read_committed but ignoring the horizon; see read_all_in_commit_order.sql."""
        return [
            _recorded(r)
            for r in await conn.fetch(_Sql.read_all_in_commit_order, after[0], after[1], limit)
        ]
