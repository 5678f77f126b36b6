"""In-memory implementations of the application's ports: the profile store and the token service.

They keep the promises the contract suites (tests/contract/) check against PostgreSQL and the
real token service over HTTP, so the business-rule tests (tests/unit/application/) run on them in
milliseconds. The token service reuses the real one's pure instrument rules, so it refuses what the
real one refuses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import itertools
import secrets
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from events.concurrency import WrongExpectedVersion
from events.crypto import new_data_key
from events.envelope import NewEvent, RecordedEvent
from events.types import CardExpiry, Event
from infra.payment_tokens import new_payment_token
from projections.rows import EventContext
from service.adapters.token_service import TokenRefused, TokenServiceUnavailable
from service.tokens import instruments
from service.tokens.contract import UpdateStatus

# --- the profile store -------------------------------------------------------------------------------


@dataclass
class _Data:
    streams: dict[str, list[RecordedEvent]] = field(default_factory=dict)
    committed: list[RecordedEvent] = field(default_factory=list)
    keys: dict[uuid.UUID, bytes] = field(default_factory=dict)
    customer_ids: dict[tuple[uuid.UUID, str], uuid.UUID] = field(default_factory=dict)
    projected: list[tuple[Event, EventContext]] = field(default_factory=list)

    def copy(self) -> _Data:
        # Every element is immutable: copying the containers isolates a transaction.
        return _Data(
            streams={k: list(v) for k, v in self.streams.items()},
            committed=list(self.committed),
            keys=dict(self.keys),
            customer_ids=dict(self.customer_ids),
            projected=list(self.projected),
        )


class InMemoryProfileTransaction:
    """Works on a private copy of the store's data; the copy replaces the data on commit."""

    def __init__(self, data: _Data, tx_id: int, positions: itertools.count[int]) -> None:
        self.data = data
        self._tx_id = tx_id
        self._positions = positions
        self._now = dt.datetime.now(dt.UTC)

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        return [e for e in self.data.streams.get(stream_id, []) if e.stream_version > after_version]

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[tuple[int, dt.datetime]]:
        stream = self.data.streams.setdefault(stream_id, [])
        if len(stream) != expected_version:
            raise WrongExpectedVersion(stream_id, expected_version)
        recorded = [
            RecordedEvent(
                global_position=next(self._positions),
                tx_id=self._tx_id,
                stream_id=stream_id,
                stream_version=expected_version + i,
                event_id=e.event_id,
                event_type=e.event_type,
                schema_version=e.schema_version,
                data=e.data,
                metadata=e.metadata,
                recorded_at=self._now,
            )
            for i, e in enumerate(events, start=1)
        ]
        stream.extend(recorded)
        self.data.committed.extend(recorded)
        return [(r.stream_version, r.recorded_at) for r in recorded]

    async def create_data_key(self, subject_id: uuid.UUID) -> bytes:
        if subject_id in self.data.keys:
            raise ValueError(f"{subject_id} already has a data key")
        self.data.keys[subject_id] = key = new_data_key()
        return key

    async def fetch_data_key(self, subject_id: uuid.UUID) -> bytes | None:
        return self.data.keys.get(subject_id)

    async def destroy_data_key(self, subject_id: uuid.UUID) -> None:
        self.data.keys.pop(subject_id, None)

    async def claim_customer_id(
        self, merchant_id: uuid.UUID, customer_id: str, profile_id: uuid.UUID
    ) -> uuid.UUID | None:
        holder = self.data.customer_ids.get((merchant_id, customer_id))
        if holder is None:
            self.data.customer_ids[(merchant_id, customer_id)] = profile_id
        return holder

    async def release_customer_id(self, profile_id: uuid.UUID) -> None:
        ids = self.data.customer_ids
        for key in [k for k, holder in ids.items() if holder == profile_id]:
            del ids[key]

    async def project(self, event: Event, context: EventContext) -> None:
        self.data.projected.append((event, context))


class InMemoryProfileStore:
    """Transactions run one at a time (a lock held from begin to commit): serializable, like the
    version check and the uniqueness rows make PostgreSQL for what the repository does."""

    def __init__(self) -> None:
        self.data = _Data()
        self._lock = asyncio.Lock()
        self._tx_ids = itertools.count(1)
        self._positions = itertools.count(1)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[InMemoryProfileTransaction]:
        async with self._lock:
            scratch = InMemoryProfileTransaction(
                self.data.copy(), next(self._tx_ids), self._positions
            )
            yield scratch
            self.data = scratch.data

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[InMemoryProfileTransaction]:
        # Reads only: nothing it does is committed, so it needs neither the lock nor a copy.
        yield InMemoryProfileTransaction(self.data, 0, self._positions)

    async def read_committed(self, after: tuple[int, int], limit: int) -> list[RecordedEvent]:
        later = [e for e in self.data.committed if e.commit_position > after]
        return later[:limit]


# --- the token service -------------------------------------------------------------------------------

_PREFIX = {"card": "C", "mandate": "M", **dict.fromkeys(instruments.BANK_KINDS, "D")}
SINGLE_USE_TTL = dt.timedelta(minutes=15)


@dataclass(frozen=True, kw_only=True)
class MemoryTokenized:
    token: str
    kind: str
    fingerprint: str | None
    bin: str | None
    last_digits: str | None
    expires_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class MemoryRedeemed(MemoryTokenized):
    holder_name: str | None = None
    card_expiry: CardExpiry | None = None
    billing_address: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class _Record:
    merchant_id: uuid.UUID
    kind: str
    data: dict[str, Any]
    single_use: bool
    status: str = "ACTIVE"
    deleted: bool = False
    bank_token: str | None = None

    def usable_by(self, merchant_id: uuid.UUID, *, single_use: bool = False) -> bool:
        return (
            self.merchant_id == merchant_id
            and not self.deleted
            and self.single_use == single_use
            and self.status == "ACTIVE"
        )


class InMemoryTokenService:
    """The token service's behaviour without HTTP, PostgreSQL or encryption. ``available = False``
    stands for an outage: every call raises TokenServiceUnavailable."""

    def __init__(self) -> None:
        self.records: dict[str, _Record] = {}
        self.available = True
        self._fingerprint_key = secrets.token_bytes(32)

    def _up(self) -> None:
        if not self.available:
            raise TokenServiceUnavailable("in-memory token service is down")

    def _fingerprint(self, merchant_id: uuid.UUID, kind: str, data: dict[str, Any]) -> str | None:
        material = instruments.fingerprint_material(kind, data)
        if material is None:
            return None
        message = merchant_id.bytes + material
        return hmac.new(self._fingerprint_key, message, hashlib.sha256).hexdigest()

    def _parse(self, kind: str, raw: Any, **options: Any) -> dict[str, Any]:
        try:
            return instruments.parse(kind, raw, **options)
        except instruments.InvalidInstrument:
            raise TokenRefused(400, "5068") from None

    def _insert(
        self,
        merchant_id: uuid.UUID,
        kind: str,
        data: dict[str, Any],
        *,
        single_use: bool,
        **kw: Any,
    ) -> MemoryTokenized:
        token = new_payment_token("SC" if single_use else _PREFIX[kind])
        self.records[token] = _Record(
            merchant_id=merchant_id, kind=kind, data=data, single_use=single_use, **kw
        )
        bin_, last_digits = instruments.display(kind, data)
        expires = dt.datetime.now(dt.UTC) + SINGLE_USE_TTL if single_use else None
        return MemoryTokenized(
            token=token,
            kind=kind,
            fingerprint=self._fingerprint(merchant_id, kind, data),
            bin=bin_,
            last_digits=last_digits,
            expires_at=expires.isoformat() if expires else None,
        )

    async def tokenize(
        self,
        merchant_id: uuid.UUID,
        kind: str,
        instrument: dict[str, Any],
        *,
        single_use: bool = False,
    ) -> MemoryTokenized:
        self._up()
        if kind not in instruments.KINDS or (single_use and kind != "card"):
            raise TokenRefused(400, "5068")
        data = self._parse(kind, instrument, single_use=single_use)
        bank_token = None
        if kind == "mandate":
            bank_token = str(data["bankAccountToken"])
            bank = self.records.get(bank_token)
            if (
                bank is None
                or not bank.usable_by(merchant_id)
                or bank.kind not in instruments.BANK_KINDS
            ):
                raise TokenRefused(400, "5068")
        return self._insert(merchant_id, kind, data, single_use=single_use, bank_token=bank_token)

    def _live(self, merchant_id: uuid.UUID, token: str) -> _Record:
        record = self.records.get(token)
        if record is None or record.merchant_id != merchant_id or record.deleted:
            raise TokenRefused(404, "5500")
        return record

    async def update(
        self,
        merchant_id: uuid.UUID,
        token: str,
        *,
        instrument: dict[str, Any] | None = None,
        status: UpdateStatus | None = None,
    ) -> None:
        self._up()
        record = self._live(merchant_id, token)
        if record.single_use:
            raise TokenRefused(404, "5500")
        data = record.data
        if instrument is not None:
            try:
                data = instruments.merge(record.kind, data, instrument)
            except instruments.InvalidInstrument:
                raise TokenRefused(400, "5068") from None
        self.records[token] = replace(record, data=data, status=status or record.status)

    async def delete(self, merchant_id: uuid.UUID, token: str) -> None:
        self._up()
        record = self.records.get(token)
        if record is not None and record.merchant_id == merchant_id:
            self.records[token] = replace(record, deleted=True, data={})

    async def redeem(self, merchant_id: uuid.UUID, single_use_token: str) -> MemoryRedeemed:
        self._up()
        record = self.records.get(single_use_token)
        if record is None or not record.usable_by(merchant_id, single_use=True):
            raise TokenRefused(404, "5500")
        data = {k: v for k, v in record.data.items() if k != "cvv"}
        new = self._insert(merchant_id, "card", data, single_use=False)
        self.records[single_use_token] = replace(record, deleted=True, data={})
        expiry = data.get("cardExpiry")
        return MemoryRedeemed(
            **{k: v for k, v in vars(new).items()},
            holder_name=data.get("holderName"),
            card_expiry=CardExpiry(**expiry) if expiry else None,
            billing_address=data.get("billingAddress"),
        )

    async def resolve(self, merchant_id: uuid.UUID, token: str) -> dict[str, Any]:
        """What a payment service would get (the `detokenize` scope); TokenRefused when the token
        may not pay."""
        self._up()
        record = self.records.get(token)
        if record is None or not record.usable_by(merchant_id):
            raise TokenRefused(404, "5500")
        out: dict[str, Any] = {"paymentToken": token, "kind": record.kind}
        if record.kind == "card":
            out["card"] = instruments.card_view(record.data)
            if "billingAddress" in record.data:
                out["billingAddress"] = record.data["billingAddress"]
        elif record.kind == "mandate":
            assert record.bank_token is not None
            bank = self.records[record.bank_token]
            if not bank.usable_by(merchant_id):
                raise TokenRefused(404, "5502")
            out["mandate"] = {
                "reference": record.data["reference"],
                "bankAccountToken": record.bank_token,
                "bankAccountKind": bank.kind,
            }
            out["bankAccount"] = instruments.bank_account_view(bank.data)
        else:
            out["bankAccount"] = instruments.bank_account_view(record.data)
        return out
