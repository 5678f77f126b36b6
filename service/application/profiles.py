"""Running commands against the Profile aggregate: load, decide, save, retried on conflict.

Concurrency. Appends are optimistic: the event store refuses a batch when the stream moved on, and
the handler reloads and decides again, at most ``max_attempts`` times with a jittered backoff. Within
one process, commands on the same profile also queue on a per-profile asyncio lock first: without it,
N concurrent requests on one profile would cost O(N^2) wasted decisions in retries, and the bounded
retry would turn a burst into errors. The lock is an optimisation, not the guarantee: several API
replicas still race, and the append's version check is what keeps every write.

One read per request. A request that checks the profile (``current``) before its command (an
AddCard checks it before tokenizing) decides its first attempt on what that check read, without
reading the stream's tail again: the state is as fresh as the check (milliseconds), and stale only if
another worker or replica wrote in between, which the append's version check refuses and the retry
reads again. The hint lives in the request's task context and is used once.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from events import metrics as event_metrics
from service.application import metrics
from service.application.ports import WrongExpectedVersion
from service.application.repository import Loaded, ProfileRepository
from service.domain import profile as aggregate
from service.domain.errors import ConcurrentModification, ProfileNotFound

# (profile id, version) the current task's last ``current`` read; ``_execute`` takes it once.
_JUST_READ: contextvars.ContextVar[tuple[uuid.UUID, int] | None] = contextvars.ContextVar(
    "profile_just_read", default=None
)


class AppendDeadlinePassed(Exception):
    """The append would start after ``not_after``: nothing was appended (docs/crash-safety.md)."""


@dataclass(frozen=True, kw_only=True)
class Outcome:
    state: aggregate.Profile
    version: int
    before: aggregate.Profile | None = None


class ProfileCommands:
    def __init__(self, repository: ProfileRepository, *, max_attempts: int = 8) -> None:
        self.repository = repository
        self._max_attempts = max_attempts
        self._locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, profile_id: uuid.UUID) -> asyncio.Lock:
        lock = self._locks.get(profile_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[profile_id] = lock
        return lock

    async def current(self, merchant_id: uuid.UUID, profile_id: uuid.UUID) -> aggregate.Profile:
        """The merchant's live profile as of now; ProfileNotFound for a missing, deleted or
        another merchant's one. What a caller reads here may be stale by the time it executes a
        command: only ``execute`` decides."""
        loaded = await self.repository.load(profile_id)
        state = loaded.state
        if state is None or state.deleted or state.merchant_id != merchant_id:
            raise ProfileNotFound(profile_id)
        _JUST_READ.set((profile_id, loaded.version))
        return state

    async def _load(self, profile_id: uuid.UUID, attempt: int) -> Loaded:
        """The first attempt of a request that just read the profile decides on that read."""
        just_read = _JUST_READ.get()
        if just_read is not None:
            _JUST_READ.set(None)
            cached = self.repository.cached(profile_id)
            read_here = attempt == 1 and just_read[0] == profile_id
            if read_here and cached is not None and cached.version >= just_read[1]:
                return cached
        return await self.repository.load(profile_id)

    async def execute(
        self,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        command: aggregate.Command,
        metadata: Mapping[str, Any],
        *,
        not_after: float | None = None,
    ) -> Outcome:
        """``not_after`` (``time.monotonic()``): no append starts later; AppendDeadlinePassed."""
        name = type(command).__name__
        try:
            async with self._lock(profile_id):
                outcome = await self._execute(merchant_id, profile_id, command, metadata, not_after)
        except Exception:
            metrics.COMMANDS.labels(name, "refused").inc()
            raise
        metrics.COMMANDS.labels(name, "ok").inc()
        return outcome

    async def _execute(
        self,
        merchant_id: uuid.UUID,
        profile_id: uuid.UUID,
        command: aggregate.Command,
        metadata: Mapping[str, Any],
        not_after: float | None,
    ) -> Outcome:
        for attempt in range(1, self._max_attempts + 1):
            loaded = await self._load(profile_id, attempt)
            events = aggregate.decide(
                loaded.state, command, merchant_id=merchant_id, profile_id=profile_id
            )
            if not_after is not None and time.monotonic() > not_after:
                raise AppendDeadlinePassed(str(profile_id))
            try:
                saved = await self.repository.save(
                    merchant_id, profile_id, loaded, events, metadata
                )
            except WrongExpectedVersion:
                event_metrics.APPEND_CONFLICTS.inc()
                if attempt == self._max_attempts:
                    break
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311
                continue
            return Outcome(state=saved.state, version=saved.version, before=loaded.state)
        raise ConcurrentModification(str(profile_id))
