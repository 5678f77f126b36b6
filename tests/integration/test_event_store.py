"""The PostgreSQL event store's contract: versions, conflicts, immutability, commit order."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from events.envelope import NewEvent
from events.store import START, PostgresEventStore, WrongExpectedVersion

store = PostgresEventStore()


def new(n: int = 1) -> list[NewEvent]:
    return [
        NewEvent(
            uuid.uuid4(), "TestHappened", 1, b'{"n": %d}' % i, {"merchantId": str(uuid.uuid4())}
        )
        for i in range(n)
    ]


def stream() -> str:
    return f"test-{uuid.uuid4()}"


async def test_append_and_read_back_in_order(pool: asyncpg.Pool) -> None:
    s = stream()
    async with pool.acquire() as conn:
        first = await store.append(conn, s, 0, new(2))
        second = await store.append(conn, s, 2, new(3))
    assert [v for v, _ in first] == [1, 2]
    assert [v for v, _ in second] == [3, 4, 5]
    events = await store.read_stream(pool, s)
    assert [e.stream_version for e in events] == [1, 2, 3, 4, 5]
    assert events[0].data == b'{"n": 0}'
    assert all(e.recorded_at for e in events)
    positions = [e.global_position for e in events]
    assert positions == sorted(positions)


@pytest.mark.parametrize("expected", [0, 1, 3])
async def test_wrong_expected_version_is_refused(pool: asyncpg.Pool, expected: int) -> None:
    s = stream()
    async with pool.acquire() as conn:
        await store.append(conn, s, 0, new(2))
        with pytest.raises(WrongExpectedVersion):
            await store.append(conn, s, expected, new())
    assert len(await store.read_stream(pool, s)) == 2


async def test_racing_appends_one_wins(pool: asyncpg.Pool) -> None:
    s = stream()

    async def attempt() -> bool:
        async with pool.acquire() as conn, conn.transaction():
            try:
                await store.append(conn, s, 0, new())
                await asyncio.sleep(0.05)
                return True
            except WrongExpectedVersion:
                return False

    outcomes = await asyncio.gather(*(attempt() for _ in range(8)))
    assert outcomes.count(True) == 1
    assert len(await store.read_stream(pool, s)) == 1


async def test_events_are_immutable(pool: asyncpg.Pool) -> None:
    s = stream()
    async with pool.acquire() as conn:
        await store.append(conn, s, 0, new())
        for statement in (
            "UPDATE vault.events SET data = '\\x00' WHERE stream_id = $1",
            "DELETE FROM vault.events WHERE stream_id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement, s)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("TRUNCATE vault.events")
    assert len(await store.read_stream(pool, s)) == 1


async def test_commit_order_reader_waits_for_open_transactions(pool: asyncpg.Pool) -> None:
    """An event below the horizon is never passed by: the reader stops before an open transaction."""
    async with pool.acquire() as conn:
        tail = await store.read_committed(conn, START, 1_000_000)
    position = tail[-1].commit_position if tail else START
    early, late = stream(), stream()
    async with pool.acquire() as a, pool.acquire() as b:
        tx = a.transaction()
        await tx.start()
        await store.append(a, early, 0, new())
        async with b.transaction():
            await store.append(b, late, 0, new())
        # `late` committed, but `early` (older transaction) is still open: neither is readable.
        visible = [e.stream_id for e in await store.read_committed(pool, position, 100)]
        assert early not in visible and late not in visible
        await tx.commit()
    visible = [e.stream_id for e in await store.read_committed(pool, position, 100)]
    assert visible.index(early) < visible.index(late)


async def test_aborted_transactions_leave_no_gap_in_reading(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        tail = await store.read_committed(conn, START, 1_000_000)
    position = tail[-1].commit_position if tail else START
    kept, aborted = stream(), stream()
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await store.append(conn, aborted, 0, new())
        await tx.rollback()
        await store.append(conn, kept, 0, new())
    visible = [e.stream_id for e in await store.read_committed(pool, position, 100)]
    assert kept in visible and aborted not in visible
