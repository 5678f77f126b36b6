"""The Profile repository: a profile's state in, its new events out.

Caching. Each process keeps the last folded state of recently used profiles (LRU) and reads only
the events after it, so a command costs the same on a profile with two events or two thousand.
The cache is only a starting point: the append's version check still decides, and an entry is
dropped on any conflict, so a stale entry costs a retry, never a wrong decision. A deleted
profile's entry is dropped at once, whether this process deleted it or its tail read finds that
another replica did: its data key must not outlive its destruction in memory.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from events import metrics
from events.codec import EventCodec
from events.envelope import profile_stream
from events.types import Event
from projections.rows import EventContext
from service.application import idempotency
from service.application.ports import ProfileStore, ProfileTransaction, WrongExpectedVersion
from service.domain import profile as aggregate
from service.domain.errors import MerchantCustomerIdTaken


@dataclass(frozen=True, kw_only=True)
class Loaded:
    """A profile as of ``version``; ``state`` None for a stream with no events yet."""

    version: int
    state: aggregate.Profile | None
    data_key: bytes | None


@dataclass(frozen=True, kw_only=True)
class Saved:
    version: int
    state: aggregate.Profile


class ProfileRepository:
    def __init__(
        self, store: ProfileStore, *, codec: EventCodec | None = None, cache_size: int = 10_000
    ) -> None:
        self._store = store
        self._codec = codec or EventCodec()
        self._cache: OrderedDict[uuid.UUID, Loaded] = OrderedDict()
        self._cache_size = cache_size

    def is_cached(self, profile_id: uuid.UUID) -> bool:
        return profile_id in self._cache

    def cached(self, profile_id: uuid.UUID) -> Loaded | None:
        """What the last load or save in this process left, without asking the store."""
        return self._cache.get(profile_id)

    def forget(self, profile_id: uuid.UUID) -> None:
        self._cache.pop(profile_id, None)

    async def load(self, profile_id: uuid.UUID) -> Loaded:
        """The profile's current state: the cached one plus its tail, or its whole stream."""
        stream_id = profile_stream(profile_id)
        cached = self._cache.get(profile_id)
        async with self._store.reader() as tx:
            if cached is not None:
                tail = await tx.read_stream(stream_id, after_version=cached.version)
                version, state, data_key = cached.version, cached.state, cached.data_key
            else:
                # The key before the stream: a deletion that lands in between then shows in the
                # stream, instead of a live profile whose key reads as gone.
                data_key = await tx.fetch_data_key(profile_id)
                tail = await tx.read_stream(stream_id)
                version, state = 0, None
        for recorded in tail:
            state = aggregate.evolve(state, self._codec.decode(recorded, profile_id, data_key))
        loaded = Loaded(version=version + len(tail), state=state, data_key=data_key)
        self._remember(profile_id, loaded)
        if state is not None and state.deleted:
            # Deleted, here or by another replica: the key is gone from the store, so it goes
            # from memory too, and nothing after this load may seal with it.
            return Loaded(version=loaded.version, state=state, data_key=None)
        return loaded

    async def save(
        self,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        loaded: Loaded,
        events: list[Event],
        metadata: Mapping[str, Any],
    ) -> Saved:
        """Append ``events`` decided against ``loaded``, with the rows that must commit with them:
        merchantCustomerId uniqueness, the inline view and, on deletion, the key's destruction.
        Within an idempotent request (``idempotency.CURRENT``) the store's transaction is the
        request's, and it commits later together with the recorded response.

        Raises WrongExpectedVersion when the stream moved on (the cache entry is dropped)."""
        after = loaded.state
        for event in events:
            after = aggregate.evolve(after, event)
        if after is None:
            raise ValueError("nothing to save")
        try:
            async with self._store.transaction() as tx:
                version, data_key = await self._append(
                    tx, merchant_id, profile_id, loaded, after, events, metadata
                )
        except WrongExpectedVersion:
            self.forget(profile_id)
            raise
        unit = idempotency.CURRENT.get()
        if unit is not None:
            # Committed only with the request's recorded response: if that rolls back, so does
            # what this process remembers of the profile.
            unit.on_rollback(lambda: self.forget(profile_id))
        saved = Saved(version=version, state=after)
        self._remember(profile_id, Loaded(version=version, state=after, data_key=data_key))
        return saved

    async def _append(
        self,
        tx: ProfileTransaction,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        loaded: Loaded,
        after: aggregate.Profile,
        events: list[Event],
        metadata: Mapping[str, Any],
    ) -> tuple[int, bytes]:
        """The new stream version, and the data key sealed with (created with the profile)."""
        stream_id = profile_stream(profile_id)
        data_key = loaded.data_key
        if data_key is None:
            if loaded.version:
                # Loaded while the profile was being created or deleted: decide again.
                raise WrongExpectedVersion(stream_id, loaded.version)
            data_key = await tx.create_data_key(profile_id)
            loaded = Loaded(version=0, state=None, data_key=data_key)
        await _keep_customer_id_unique(tx, merchant_id, profile_id, loaded.state, after)
        meta = {**metadata, "merchantId": str(merchant_id)}
        encoded = [
            self._codec.encode(e, subject_id=profile_id, data_key=data_key, metadata=meta)
            for e in events
        ]
        appended = await tx.append(stream_id, loaded.version, encoded)
        # The inline half of read-your-writes: the same projection the rebuild runs, fed the
        # same versions and timestamps, so a rebuilt view equals this one row for row.
        for event, (stream_version, recorded_at) in zip(events, appended, strict=True):
            ctx = EventContext(stream_id, stream_version, profile_id, merchant_id, recorded_at)
            await tx.project(event, ctx)
            metrics.EVENTS_APPENDED.labels(event.event_type).inc()
        if after.deleted:
            # Crypto-shredding, in the same transaction as the ProfileDeleted event.
            await tx.destroy_data_key(profile_id)
        return appended[-1][0], data_key

    def _remember(self, profile_id: uuid.UUID, entry: Loaded) -> None:
        if entry.state is None or entry.state.deleted:
            self.forget(profile_id)
            return
        self._cache[profile_id] = entry
        self._cache.move_to_end(profile_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


async def _keep_customer_id_unique(
    tx: ProfileTransaction,
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
        await tx.release_customer_id(profile_id)
    if new is not None:
        holder = await tx.claim_customer_id(merchant_id, new, profile_id)
        if holder is not None:
            raise MerchantCustomerIdTaken(holder)
