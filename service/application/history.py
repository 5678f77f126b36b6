"""A profile's past: its changes in order (who, when, which fields) and its state at a moment.

Both read the profile's stream and decrypt it with the profile's data key, so both end with the
profile: after deletion the key is destroyed (crypto-shredding) and neither answers, and the
sealed personal values left in the events cannot be opened by anyone. The state as of a moment
is folded with ``aggregate.evolve``, the code every command decides with, and rendered by the same
functions as the live answers (``projections.documents``), so the past and the present cannot
disagree on what an event means.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from events.codec import EventCodec
from events.envelope import RecordedEvent, profile_stream
from events.types import Event, ProfileCreated
from service.application.ports import ProfileStore
from service.domain import profile as aggregate
from service.domain.errors import ProfileNotFound

# What names the subject rather than a change, and what is derived from a number (the keyed
# fingerprint of a card or account number): never listed.
_NOT_CHANGES = frozenset({"profileId", "merchantId", "fingerprint"})
# The id that names the sub-resource an event is about; a mandate's events name its account too.
_SUBJECT_IDS = ("mandateId", "cardId", "bankAccountId", "addressId")


@dataclass(frozen=True, kw_only=True)
class Change:
    version: int
    event_type: str
    recorded_at: dt.datetime
    key_id: str | None
    request_id: str | None
    fields: tuple[str, ...]
    values: dict[str, Any] | None  # only when asked for


def _attributes(event: Event) -> tuple[dict[str, Any], frozenset[str] | None]:
    """What the event sets, personal fields flattened; and the personal names when the event
    carries the whole personal block (a PUT replaces it: a name missing from it was cleared)."""
    data = msgspec.to_builtins(event)
    carries_personal = "personal" in data
    personal = data.pop("personal", None) or {}
    attributes = {k: v for k, v in data.items() if k not in _NOT_CHANGES and v is not None}
    return {**attributes, **personal}, frozenset(personal) if carries_personal else None


def changes_of(events: list[tuple[RecordedEvent, Event]], *, with_values: bool) -> list[Change]:
    """One entry per event, naming the fields whose value it changed on the resource it touched
    (the profile, or the address, card, account or mandate its id names) and, when asked for,
    their new values (None for a field it cleared)."""
    known: dict[str, dict[str, Any]] = {}
    personal_names: dict[str, frozenset[str]] = {}
    out = []
    for recorded, event in events:
        attributes, personal = _attributes(event)
        subject = next((str(attributes[k]) for k in _SUBJECT_IDS if k in attributes), "profile")
        before = known.get(subject, {})
        after = {**before, **attributes}
        if personal is not None:
            for cleared in personal_names.get(subject, frozenset()) - personal:
                after.pop(cleared, None)
            personal_names[subject] = personal
        known[subject] = after
        changed = sorted(
            k
            for k in (after.keys() | before.keys()) - {*_SUBJECT_IDS}
            if after.get(k) != before.get(k)
        )
        out.append(
            Change(
                version=recorded.stream_version,
                event_type=recorded.event_type,
                recorded_at=recorded.recorded_at,
                key_id=recorded.metadata.get("keyId"),
                request_id=recorded.metadata.get("requestId"),
                fields=tuple(changed),
                values={k: after.get(k) for k in changed} if with_values else None,
            )
        )
    return out


def state_as_of(
    events: list[tuple[RecordedEvent, Event]], moment: dt.datetime
) -> aggregate.Profile | None:
    """The profile folded from the events recorded at or before ``moment``."""
    state: aggregate.Profile | None = None
    for recorded, event in events:
        if recorded.recorded_at > moment:
            break
        state = aggregate.evolve(state, event)
    return state


class ProfileHistory:
    def __init__(self, store: ProfileStore, codec: EventCodec | None = None) -> None:
        self._store = store
        self._codec = codec or EventCodec()

    async def _events(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID
    ) -> list[tuple[RecordedEvent, Event]]:
        async with self._store.reader() as reader:
            # The key first, as the repository reads it: a deletion landing in between shows in
            # the stream, so no value is decrypted for a profile deleted by then.
            data_key = await reader.fetch_data_key(profile_id)
            stream = await reader.read_stream(profile_stream(profile_id))
        if data_key is None or not stream:
            raise ProfileNotFound(profile_id)
        events = [(r, self._codec.decode(r, profile_id, data_key)) for r in stream]
        first, last = events[0][1], events[-1][1]
        if not isinstance(first, ProfileCreated) or first.merchant_id != merchant_id:
            raise ProfileNotFound(profile_id)
        if last.event_type == "ProfileDeleted":
            raise ProfileNotFound(profile_id)
        return events

    async def changes(
        self,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        *,
        after: int = 0,
        limit: int = 50,
        with_values: bool = False,
    ) -> tuple[list[Change], bool]:
        """The changes after stream version ``after``, at most ``limit``, and whether more follow."""
        # The whole stream is compared, so the first change of a page is named against its past.
        changes = changes_of(await self._events(merchant_id, profile_id), with_values=with_values)
        page = [c for c in changes if c.version > after]
        return page[:limit], len(page) > limit

    async def as_of(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, moment: dt.datetime
    ) -> aggregate.Profile:
        """The profile as it was at ``moment``; ProfileNotFound before it existed or now deleted."""
        state = state_as_of(await self._events(merchant_id, profile_id), moment)
        if state is None or state.deleted:
            raise ProfileNotFound(profile_id)
        return state
