"""Turning stored (or relayed) events into domain events with their context, one batch at a time."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from functools import lru_cache

from events.codec import EventCodec, UnknownEventType
from events.envelope import RecordedEvent, stream_subject
from events.personal_keys import PersonalDataKeys
from events.store import Executor
from events.types import Event
from projections.rows import EventContext
from projections.runners.metrics import UNKNOWN_EVENTS

log = logging.getLogger(__name__)

# A profile's events come in runs and a merchant's profiles by the thousand: parse each id once.
_subject = lru_cache(maxsize=1 << 16)(stream_subject)
_merchant = lru_cache(maxsize=1 << 12)(uuid.UUID)


class EventDecoder:
    def __init__(self, codec: EventCodec, keys: PersonalDataKeys) -> None:
        self._codec = codec
        self._keys = keys

    async def decode(
        self,
        conn: Executor,
        batch: Sequence[RecordedEvent],
        handles: frozenset[str] | None = None,
    ) -> list[tuple[Event, EventContext]]:
        if handles is not None:
            batch = [r for r in batch if r.event_type in handles]
        # One key look-up per batch, not per event: replay speed depends on it.
        keys = await self._keys.fetch_many(conn, {_subject(r.stream_id) for r in batch})
        decoded = []
        for recorded in batch:
            subject = _subject(recorded.stream_id)
            try:
                event = self._codec.decode(recorded, subject, keys.get(subject))
            except UnknownEventType:
                # Another writer's event type (a newer release, or another stream family sharing
                # the store): no projection of ours has rows for it. Skip it, visibly. A known
                # type at a schema version newer than this code still raises: that needs an
                # upgrade, not a skip.
                UNKNOWN_EVENTS.labels(recorded.event_type).inc()
                log.warning(
                    "skipping unknown event type", extra={"event_type": recorded.event_type}
                )
                continue
            ctx = EventContext(
                stream_id=recorded.stream_id,
                stream_version=recorded.stream_version,
                profile_id=subject,
                merchant_id=_merchant(recorded.metadata["merchantId"]),
                recorded_at=recorded.recorded_at,
            )
            decoded.append((event, ctx))
        return decoded
