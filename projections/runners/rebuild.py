"""``vault rebuild VIEW``: rebuild a view from the event store while the API keeps serving.

Online, in three phases:

1. **Build** into shadow tables (``<table>__rebuild``, same columns, defaults and indexes) from the
   start of the log, reading in commit order below the xmin horizon as the relay does, in batches
   that are each written in bulk (below). The live tables keep serving and keep taking the API's
   inline writes and the projector's; nothing the build does touches them.
2. **Catch up**, still without locks, from the position the build reached until a read comes back
   empty.
3. **Swap** in one short transaction: lock the live tables (ACCESS EXCLUSIVE: it waits for every
   transaction already writing them, so their events are committed and visible, and makes later
   writers wait for the swap, so no event can commit unread), read the last events (past the
   horizon, safe under the lock), then drop the live tables and rename the shadows into their
   place, indexes renamed back. A writer waiting on the lock resolves the table name again once
   it gets it and writes to the new table. For a tracked projection (customer search) the
   projector's positions are reset and set to what the rebuild applied in the same transaction.

Bulk writes: the build folds the view's rows in memory (``projections.runners.fold``: what the
statements would leave) and writes each shadow table once, with COPY; reading the next batch
overlaps folding the last. The catch-up and the swap apply their few events with the statements:
every row of a view belongs to one stream (profile), so the operations of different streams
commute; a batch's operations are laid out in rounds (the k-th operation of every stream), each
round grouped by statement, and each group goes to PostgreSQL as one ``executemany``. The fold
holds the whole view in the rebuilding process's memory (about the size of the view's tables).

The swap needs the tables' owner (``vault rebuild`` runs with the migration credentials); the
runtime role gets its grants on the new tables in the swap.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import asyncpg

from events.envelope import RecordedEvent
from events.store import START, Executor, PostgresEventStore
from infra.sqlfiles import Queries, load_sql
from projections.rows import Projection, RowOp
from projections.runners.decoding import EventDecoder
from projections.runners.fold import FoldedView


class _Sql(Queries, package="projections"):
    projection_positions_reset: str
    projection_positions_save: str


_COUNT_EVENTS = "SELECT count(*) FROM vault.events"
SHADOW_SUFFIX = "__rebuild"
_INDEXES = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2"
_SWAP_ATTEMPTS = 5

Read = Callable[[asyncpg.Connection, tuple[int, int], int], Awaitable[list[RecordedEvent]]]


@dataclass(frozen=True)
class RebuildResult:
    events: int
    seconds: float
    swap_seconds: float = 0.0  # how long the live tables were locked


def rounds(ops_by_stream: dict[str, list[RowOp]]) -> list[RowOp]:
    """The operations in rounds (k-th operation of each stream), each round sorted by statement so
    equal statements are adjacent; each stream's own order is kept."""
    out: list[RowOp] = []
    depth = max((len(ops) for ops in ops_by_stream.values()), default=0)
    for k in range(depth):
        layer = [ops[k] for ops in ops_by_stream.values() if k < len(ops)]
        layer.sort(key=lambda op: op.statement)
        out.extend(layer)
    return out


@dataclass
class Shadow:
    """The shadow twin of each of a projection's tables, and the SQL rewritten to write there."""

    tables: tuple[str, ...]
    _sql: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = "|".join(re.escape(t) for t in self.tables)
        self._pattern = re.compile(rf"\b({names})\b")

    def name(self, table: str) -> str:
        return table + SHADOW_SUFFIX

    def sql(self, statement: str) -> str:
        if statement not in self._sql:
            text = load_sql("projections", f"queries/{statement}.sql")
            self._sql[statement] = self._pattern.sub(lambda m: self.name(m.group(1)), text)
        return self._sql[statement]

    async def create(self, conn: asyncpg.Connection) -> None:
        for table in self.tables:
            await conn.execute(f"DROP TABLE IF EXISTS {self.name(table)}")
            await conn.execute(f"CREATE TABLE {self.name(table)} (LIKE {table} INCLUDING ALL)")

    async def drop(self, conn: asyncpg.Connection) -> None:
        for table in self.tables:
            await conn.execute(f"DROP TABLE IF EXISTS {self.name(table)}")

    async def apply(self, conn: asyncpg.Connection, ops: list[RowOp]) -> None:
        i = 0
        while i < len(ops):
            j = i
            while j < len(ops) and ops[j].statement == ops[i].statement:
                j += 1
            sql = self.sql(ops[i].statement)
            if j - i == 1:
                await conn.execute(sql, *ops[i].args)
            else:
                await conn.executemany(sql, [op.args for op in ops[i:j]])
            i = j

    async def load(self, conn: asyncpg.Connection, view: FoldedView) -> None:
        """Write a folded view into the (empty) shadow tables, one COPY per table."""
        for table in self.tables:
            schema, bare = self.name(table).split(".", 1)
            folded = view.tables[table]
            await conn.copy_records_to_table(
                bare, schema_name=schema, columns=folded.shape.columns, records=folded.records()
            )

    async def swap(self, conn: asyncpg.Connection) -> None:
        """Inside the locked transaction: the shadows take the live tables' names and indexes."""
        for table in self.tables:
            schema, bare = table.split(".", 1)
            old = {
                _shape(r["indexdef"]): r["indexname"]
                for r in await conn.fetch(_INDEXES, schema, bare)
            }
            await conn.execute(f"DROP TABLE {table}")
            await conn.execute(f"ALTER TABLE {self.name(table)} RENAME TO {bare}")
            for r in await conn.fetch(_INDEXES, schema, bare):
                wanted = old.get(_shape(r["indexdef"]))
                if wanted and wanted != r["indexname"]:
                    await conn.execute(
                        f'ALTER INDEX {schema}."{r["indexname"]}" RENAME TO "{wanted}"'
                    )
            await conn.execute(
                "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'vault_app') THEN"
                f" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {table} TO vault_app;"
                " END IF; END $$"
            )


def _shape(indexdef: str) -> str:
    """An index definition without its name: ``CREATE [UNIQUE] INDEX ON …``."""
    return re.sub(r"INDEX \S+ ON", "INDEX ON", indexdef)


@dataclass
class _Replay:
    pool: asyncpg.Pool
    projection: Projection
    decoder: EventDecoder
    shadow: Shadow
    batch_size: int
    progress: Callable[[int, int], None] | None
    total: int = 0
    applied: int = 0
    position: tuple[int, int] = START
    versions: dict[str, int] = field(default_factory=dict)

    async def run(self, conn: asyncpg.Connection, read: Read) -> None:
        """Apply everything ``read`` returns from ``position`` on, until it returns nothing."""
        while batch := await read(conn, self.position, self.batch_size):
            by_stream = await self._project(conn, batch)
            await self.shadow.apply(conn, rounds(by_stream))
            self._done(batch)

    async def fold(self, conn: asyncpg.Connection, read: Read, view: FoldedView) -> None:
        """Like ``run``, into ``view`` in memory. PostgreSQL reads the next batch meanwhile: the
        data keys come from another of the pool's connections."""
        batch = await read(conn, self.position, self.batch_size)
        while batch:
            self.position = batch[-1].commit_position
            following = asyncio.ensure_future(read(conn, self.position, self.batch_size))
            try:
                by_stream = await self._project(self.pool, batch)
                for ops in by_stream.values():
                    view.apply(ops)
            except BaseException:
                following.cancel()
                raise
            self._done(batch)
            batch = await following

    async def _project(self, conn: Executor, batch: list[RecordedEvent]) -> dict[str, list[RowOp]]:
        by_stream: dict[str, list[RowOp]] = defaultdict(list)
        for event, ctx in await self.decoder.decode(conn, batch, self.projection.handles):
            by_stream[ctx.stream_id].extend(self.projection.project(event, ctx))
            self.versions[ctx.stream_id] = ctx.stream_version
        return by_stream

    def _done(self, batch: list[RecordedEvent]) -> None:
        self.position = batch[-1].commit_position
        self.applied += len(batch)
        if self.progress:
            self.progress(self.applied, max(self.total, self.applied))


async def rebuild(
    pool: asyncpg.Pool,
    projection: Projection,
    store: PostgresEventStore,
    decoder: EventDecoder,
    *,
    track_positions: bool,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildResult:
    """Rebuild ``projection``'s tables online (module docstring); ``pool`` must allow two
    connections: the build reads on one while the data keys are fetched on the other."""
    started = time.perf_counter()
    shadow = Shadow(projection.tables)
    replay = _Replay(pool, projection, decoder, shadow, batch_size, progress)
    async with pool.acquire() as conn:
        await conn.execute("SET statement_timeout = 0")  # a build is long by nature
        try:
            await shadow.create(conn)
            replay.total = int(await conn.fetchval(_COUNT_EVENTS))
            # Build (in memory, then COPY), then catch up: both read below the horizon, without
            # locks.
            view = FoldedView(projection.tables)
            with _collector_paused():
                await replay.fold(conn, store.read_committed, view)
            await shadow.load(conn, view)
            del view
            await replay.run(conn, store.read_committed)
            swap_seconds = await _swap(conn, replay, store, track_positions)
        finally:
            await shadow.drop(conn)  # nothing left after a swap; a failed rebuild's leftovers
            await conn.execute("RESET statement_timeout")
    return RebuildResult(replay.applied, time.perf_counter() - started, swap_seconds)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the fold grows: every collection of the oldest
    generation walks every row folded so far (half the build's CPU, measured). What the fold
    allocates and drops is freed by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _swap(
    conn: asyncpg.Connection, replay: _Replay, store: PostgresEventStore, track_positions: bool
) -> float:
    name, tables = replay.projection.name, ", ".join(replay.projection.tables)
    for attempt in range(1, _SWAP_ATTEMPTS + 1):
        locked = time.perf_counter()
        position, versions, applied = replay.position, dict(replay.versions), replay.applied
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL lock_timeout = '10s'")
                # The projector's lock order: its position rows, then the view's tables.
                if track_positions:
                    await conn.execute(_Sql.projection_positions_reset, name)
                await conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
                await replay.run(conn, store.read_all_locked)
                if track_positions and replay.versions:
                    v = replay.versions
                    await conn.execute(
                        _Sql.projection_positions_save, name, list(v), list(v.values())
                    )
                await replay.shadow.swap(conn)
            return time.perf_counter() - locked
        except (asyncpg.DeadlockDetectedError, asyncpg.LockNotAvailableError):
            # A writer holding one view table wanted another we had locked: let it finish and
            # try again from where the catch-up was (the shadow rows of the failed try rolled back).
            replay.position, replay.versions, replay.applied = position, versions, applied
            if attempt == _SWAP_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
