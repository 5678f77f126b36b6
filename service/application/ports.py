"""What the application layer needs from the outside world, and nothing more.

Two ports: the profile store (an event store plus the rows that must commit with an append) and the
token service. Each has a production implementation (PostgreSQL in ``service.adapters.profile_store``,
HTTP in ``service.adapters.token_service``) and an in-memory one (``service.adapters.memory``), and one
contract test suite (tests/contract/) runs against both, so the fast tests of the business rules
exercise the same behaviour production relies on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from events.concurrency import WrongExpectedVersion
from events.envelope import NewEvent, RecordedEvent
from events.types import CardExpiry, Event
from projections.rows import EventContext

# The token service's refusals are the HTTP client's exceptions: that module belongs to the token
# contract, and the in-memory token service raises the same classes so callers catch one thing.
from service.adapters.token_service import TokenRefused, TokenServiceUnavailable
from service.tokens.contract import UpdateStatus

__all__ = [
    "ProfileReader",
    "ProfileStore",
    "ProfileTransaction",
    "Redeemed",
    "TokenRefused",
    "TokenService",
    "TokenServiceUnavailable",
    "Tokenized",
    "WrongExpectedVersion",
]


class ProfileReader(Protocol):
    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]: ...

    async def fetch_data_key(self, subject_id: uuid.UUID) -> bytes | None:
        """None once the key was destroyed (crypto-shredded) or never created."""
        ...


class ProfileTransaction(ProfileReader, Protocol):
    """One unit of work: everything done through it commits together or not at all."""

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[tuple[int, dt.datetime]]:
        """Each appended event's (stream version, recorded at); WrongExpectedVersion when the
        stream is not at ``expected_version``."""
        ...

    async def create_data_key(self, subject_id: uuid.UUID) -> bytes: ...

    async def destroy_data_key(self, subject_id: uuid.UUID) -> None: ...

    async def claim_customer_id(
        self, merchant_id: uuid.UUID, customer_id: str, profile_id: uuid.UUID
    ) -> uuid.UUID | None:
        """Claim a merchantCustomerId; the profile holding it when taken, or None when claimed.
        Raises WrongExpectedVersion when the holder released it meanwhile (decide again)."""
        ...

    async def release_customer_id(self, profile_id: uuid.UUID) -> None: ...

    async def project(self, event: Event, context: EventContext) -> None:
        """The inline read model: the projection the rebuild runs, in the append's transaction."""
        ...


class ProfileStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ProfileTransaction]: ...

    def reader(self) -> AbstractAsyncContextManager[ProfileReader]:
        """Reads outside any transaction (no BEGIN/COMMIT round trips): what they return is only
        the starting point of a decision, which the append's version check confirms or refuses."""
        ...

    async def read_committed(self, after: tuple[int, int], limit: int) -> list[RecordedEvent]:
        """Committed events in commit order after the (tx_id, global_position) ``after``: a
        reader that moved past a position never sees an event appear before it later."""
        ...


class Tokenized(Protocol):
    """What the token service answers for a new token: never the number, only masked data."""

    @property
    def token(self) -> str: ...
    @property
    def fingerprint(self) -> str | None: ...
    @property
    def bin(self) -> str | None: ...
    @property
    def last_digits(self) -> str | None: ...
    @property
    def expires_at(self) -> str | None: ...


class Redeemed(Tokenized, Protocol):
    """A single-use token turned permanent, with what the card holder entered besides the number."""

    @property
    def holder_name(self) -> str | None: ...
    @property
    def card_expiry(self) -> CardExpiry | None: ...
    @property
    def billing_address(self) -> dict[str, Any] | None: ...


class TokenService(Protocol):
    """The vault's view of the token service. Refusals raise TokenRefused, outages
    TokenServiceUnavailable; ``delete`` of a token already gone succeeds."""

    async def tokenize(
        self,
        merchant_id: uuid.UUID,
        kind: str,
        instrument: dict[str, Any],
        *,
        single_use: bool = False,
    ) -> Tokenized: ...

    async def update(
        self,
        merchant_id: uuid.UUID,
        token: str,
        *,
        instrument: dict[str, Any] | None = None,
        status: UpdateStatus | None = None,
    ) -> None: ...

    async def delete(self, merchant_id: uuid.UUID, token: str) -> None: ...

    async def redeem(self, merchant_id: uuid.UUID, single_use_token: str) -> Redeemed: ...
