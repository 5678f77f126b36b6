"""Running commands against the Profile aggregate: load, decide, append, project, in one transaction.

Caching. Each process keeps the last folded state of recently used profiles (LRU) and reads only
the events after it, so a command costs the same on a profile with two events or two thousand.
The cache is only a starting point: the append's version check still decides, and an entry is
dropped on any conflict, so a stale entry costs a retry, never a wrong decision. A deleted
profile's entry is dropped at once: its data key must not outlive its destruction in memory.

Concurrency. Appends are optimistic: the event store refuses a batch when the stream moved on, and
the handler reloads and decides again, at most ``max_attempts`` times with a jittered backoff. Within
one process, commands on the same profile also queue on a per-profile asyncio lock first: without it,
N concurrent requests on one profile would cost O(N^2) wasted decisions in retries, and the bounded
retry would turn a burst into errors. The lock is an optimisation, not the guarantee: several API
replicas still race, and the append's version check is what keeps every write.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import asyncpg

from events import metrics
from events.codec import EventCodec
from events.envelope import RecordedEvent, profile_stream
from events.personal_keys import PersonalDataKeys
from events.store import PostgresEventStore, WrongExpectedVersion
from events.types import Event
from infra.sqlfiles import load_sql
from projections import profile_view
from projections.rows import EventContext
from projections.runners.apply import apply
from service.domain import profile as aggregate
from service.domain.errors import ConcurrentModification, MerchantCustomerIdTaken

_CLAIM = load_sql("service", "queries/customer_id_claim.sql")
_HOLDER = load_sql("service", "queries/customer_id_holder.sql")
_RELEASE = load_sql("service", "queries/customer_id_release.sql")


@dataclass(frozen=True)
class _Cached:
    version: int
    state: aggregate.Profile | None
    data_key: bytes | None


@dataclass(frozen=True)
class Outcome:
    state: aggregate.Profile
    version: int
    before: aggregate.Profile | None = None


class ProfileCommands:
    def __init__(
        self,
        pool: asyncpg.Pool,
        keys: PersonalDataKeys,
        *,
        store: PostgresEventStore | None = None,
        codec: EventCodec | None = None,
        max_attempts: int = 8,
        cache_size: int = 10_000,
    ) -> None:
        self._pool = pool
        self._keys = keys
        self._store = store or PostgresEventStore()
        self._codec = codec or EventCodec()
        self._max_attempts = max_attempts
        self._locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._cache: OrderedDict[uuid.UUID, _Cached] = OrderedDict()
        self._cache_size = cache_size

    def _lock(self, profile_id: uuid.UUID) -> asyncio.Lock:
        lock = self._locks.get(profile_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[profile_id] = lock
        return lock

    async def execute(
        self,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        command: aggregate.Command,
        metadata: dict[str, Any],
    ) -> Outcome:
        async with self._lock(profile_id):
            for attempt in range(1, self._max_attempts + 1):
                try:
                    return await self._attempt(merchant_id, profile_id, command, metadata)
                except (WrongExpectedVersion, asyncpg.DeadlockDetectedError):
                    # A deadlock (e.g. two profiles swapping merchantCustomerIds, or a rebuild
                    # taking the view's locks) is a conflict like any other: decide again.
                    self._cache.pop(profile_id, None)
                    metrics.APPEND_CONFLICTS.inc()
                    if attempt == self._max_attempts:
                        break
                    await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311
        raise ConcurrentModification(str(profile_id))

    async def _attempt(
        self,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        command: aggregate.Command,
        metadata: dict[str, Any],
    ) -> Outcome:
        stream_id = profile_stream(profile_id)
        cached = self._cache.get(profile_id)
        async with self._pool.acquire() as conn, conn.transaction():
            if cached is not None:
                version, state, data_key = cached.version, cached.state, cached.data_key
                tail = await self._store.read_stream(conn, stream_id, after_version=version)
            else:
                tail = await self._store.read_stream(conn, stream_id)
                version, state = 0, None
                if isinstance(command, aggregate.CreateProfile) and not tail:
                    data_key = await self._keys.create(conn, profile_id)
                else:
                    data_key = await self._keys.fetch(conn, profile_id)
            for event in self._decode(tail, profile_id, data_key):
                state = aggregate.evolve(state, event)
            version += len(tail)
            events = aggregate.decide(
                state, command, merchant_id=merchant_id, profile_id=profile_id
            )
            after = state
            for event in events:
                after = aggregate.evolve(after, event)
            assert after is not None and data_key is not None
            await self._keep_customer_id_unique(conn, merchant_id, profile_id, state, after)

            meta = {**metadata, "merchantId": str(merchant_id)}
            encoded = [
                self._codec.encode(e, subject_id=profile_id, data_key=data_key, metadata=meta)
                for e in events
            ]
            appended = await self._store.append(conn, stream_id, version, encoded)

            # The inline half of read-your-writes: the same projection the rebuild runs, fed the
            # same versions and timestamps, so a rebuilt view equals this one row for row.
            for event, (stream_version, recorded_at) in zip(events, appended, strict=True):
                ctx = EventContext(stream_id, stream_version, profile_id, merchant_id, recorded_at)
                await apply(conn, profile_view.project(event, ctx))
                metrics.EVENTS_APPENDED.labels(event.event_type).inc()

            if after.deleted:
                # Crypto-shredding, in the same transaction as the ProfileDeleted event.
                await self._keys.destroy(conn, profile_id)
        new_version = appended[-1][0]
        self._remember(profile_id, _Cached(new_version, after, data_key))
        return Outcome(state=after, version=new_version, before=state)

    def _remember(self, profile_id: uuid.UUID, entry: _Cached) -> None:
        if entry.state is None or entry.state.deleted:
            self._cache.pop(profile_id, None)
            return
        self._cache[profile_id] = entry
        self._cache.move_to_end(profile_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _decode(
        self, history: list[RecordedEvent], profile_id: uuid.UUID, data_key: bytes | None
    ) -> list[Event]:
        return [self._codec.decode(r, profile_id, data_key) for r in history]

    async def _keep_customer_id_unique(
        self,
        conn: asyncpg.Connection,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        before: aggregate.Profile | None,
        after: aggregate.Profile,
    ) -> None:
        old = before.merchant_customer_id if before and not before.deleted else None
        new = None if after.deleted else after.merchant_customer_id
        if old == new:
            return
        if old is not None:
            await conn.execute(_RELEASE, profile_id)
        if new is not None and await conn.fetchval(_CLAIM, merchant_id, new, profile_id) is None:
            # A fresh statement sees the holder even if it committed after our claim began.
            holder = await conn.fetchval(_HOLDER, merchant_id, new)
            if holder is None:  # released again in the meantime: decide once more
                raise WrongExpectedVersion(profile_stream(profile_id), -1)
            raise MerchantCustomerIdTaken(holder)
