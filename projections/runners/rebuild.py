"""``vault rebuild VIEW``: rebuild a view from the event store.

The whole rebuild is one transaction that first TRUNCATEs the view's tables. TRUNCATE takes an
ACCESS EXCLUSIVE lock, which does two things for us. It waits for every transaction already writing
the view to finish, so their events are committed and visible to our reads. And it makes every later
writer wait for our commit, so no writer can commit events we have not read: its events stay
invisible (uncommitted) until it can write its view rows, after ours. That is why the replay may
read past the xmin horizon.

The price: ACCESS EXCLUSIVE blocks readers too. Rebuilding the profile view therefore pauses every
GET and command of the vault API for the rebuild's duration (about a second per 30-50k events
here; see docs/benchmarks): run it in a maintenance window or with the API scaled to zero. A
shadow-table rebuild swapped in by rename would avoid the pause; it is not built yet. Rebuilding
the customer-search view pauses only the search endpoint and the projector: the positions are
reset (not deleted, so a projector batch waiting on them finds them again) and re-saved in the same
transaction, so the projector skips what the rebuild applied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from events.store import START, PostgresEventStore
from infra.sqlfiles import load_sql
from projections.rows import Projection
from projections.runners.apply import apply
from projections.runners.decoding import EventDecoder

_RESET_POSITIONS = load_sql("projections", "queries/projection_positions_reset.sql")
_SAVE_POSITIONS = load_sql("projections", "queries/projection_positions_save.sql")
_COUNT_EVENTS = "SELECT count(*) FROM vault.events"


@dataclass(frozen=True)
class RebuildResult:
    events: int
    seconds: float


async def rebuild(
    pool: asyncpg.Pool,
    projection: Projection,
    store: PostgresEventStore,
    decoder: EventDecoder,
    *,
    track_positions: bool,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildResult:
    started = time.perf_counter()
    applied = 0
    async with pool.acquire() as conn, conn.transaction():
        # A rebuild is long by nature: no statement timeout, but do not queue behind a stuck
        # lock holder for ever either.
        await conn.execute("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '60s'")
        # Locks in the projector's order (its position rows, then the view's tables), so a
        # projector batch running beside the rebuild waits for it instead of deadlocking with it.
        if track_positions:
            await conn.execute(_RESET_POSITIONS, projection.name)
        await conn.execute(f"TRUNCATE {', '.join(projection.tables)}")
        total = int(await conn.fetchval(_COUNT_EVENTS))
        position = START
        versions: dict[str, int] = {}
        while batch := await store.read_all_locked(conn, position, batch_size):
            ops = []
            for event, ctx in await decoder.decode(conn, batch, projection.handles):
                ops.extend(projection.project(event, ctx))
                versions[ctx.stream_id] = ctx.stream_version
            await apply(conn, ops)
            position = batch[-1].commit_position
            applied += len(batch)
            if progress:
                progress(applied, total)
        if track_positions and versions:
            await conn.execute(
                _SAVE_POSITIONS, projection.name, list(versions), list(versions.values())
            )
    return RebuildResult(events=applied, seconds=time.perf_counter() - started)
