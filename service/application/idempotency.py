"""Idempotent commands (``Idempotency-Key``): what a request's claim is, and the unit of work that
keeps a command's events and its remembered response in one transaction.

The claim is taken before any work (so a replay tokenizes nothing); the command's transaction is
then held open by the request's ``UnitOfWork`` until the handler has rendered its response, which
is written into the same transaction before it commits. A crash can therefore never leave events
without their response or a response without its events.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

# Printable US-ASCII, as Stripe and the IETF draft (httpapi-idempotency-key-header) allow.
MAX_KEY_LENGTH = 255


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= c <= "~" for c in key)


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    """What makes a retry "the same request": method, path with its query, and the body's hash."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), hashlib.sha256(body).digest()):
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    return digest.digest()


@dataclass(frozen=True, kw_only=True)
class Claim:
    merchant_id: uuid.UUID
    key: str
    fingerprint: bytes
    owner: uuid.UUID

    @classmethod
    def new(cls, merchant_id: uuid.UUID, key: str, fingerprint: bytes) -> Claim:
        return cls(merchant_id=merchant_id, key=key, fingerprint=fingerprint, owner=uuid.uuid4())


@dataclass(frozen=True, kw_only=True)
class RecordedResponse:
    """The response to give again: status, the headers that matter, the body byte for byte."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class KeyReused(Exception):
    """The key was used for another request (method, path or body differ)."""


class RequestInFlight(Exception):
    """The first request with this key is still being processed: retry later."""


class ClaimLost(Exception):
    """Our claim's lease ran out and another request took the key over: nothing of ours commits."""


class UnitOfWork(Protocol):
    """One idempotent request's transaction, opened by its first save and committed by ``commit``."""

    claim: Claim

    def on_rollback(self, undo: Callable[[], None]) -> None: ...

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the request's transaction committed (never when it rolled back):
        effects on the token service that must follow a committed removal wait for it."""
        ...

    async def commit(self, response: RecordedResponse) -> None:
        """Record ``response`` (in the events' transaction when there is one) and commit.
        Raises ClaimLost when the key was taken over (the transaction is rolled back)."""
        ...

    async def abandon(self) -> None:
        """Roll back whatever was saved and free the key, so the client may retry with it."""
        ...


class IdempotencyStore(Protocol):
    async def claim(self, claim: Claim) -> RecordedResponse | None:
        """None when ``claim`` now holds the key; the recorded response when it was answered.
        Raises KeyReused or RequestInFlight."""
        ...

    def unit_of_work(self, claim: Claim) -> UnitOfWork: ...

    async def purge(self) -> int:
        """Delete the records older than the retention window; how many."""
        ...


CURRENT: ContextVar[UnitOfWork | None] = ContextVar("idempotent_unit_of_work", default=None)
"""The request's unit of work, set by the API around an idempotent command's handler."""
