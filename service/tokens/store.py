"""Instrument records: tokenize, update, delete, redeem single-use tokens, resolve (detokenize).

Every operation writes its audit-outbox row atomically with the access (in its transaction, or in
the same statement), so no access happens without its audit event being durably recorded. Refusals answer alike whatever the cause (unknown, deleted,
inactive, expired, another merchant's token): a caller learns nothing about other merchants' tokens.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import msgspec

from events.crypto import DecryptionFailed
from infra.payment_tokens import new_payment_token
from infra.sqlfiles import Queries
from service.tokens import audit, contract, instruments, metrics
from service.tokens.audit import AuditEvent, AuditOutbox
from service.tokens.clients import Caller
from service.tokens.errors import FieldError, InvalidInstrument, RecordUnreadable, TokenNotFound
from service.tokens.instruments import BANK_KINDS
from service.tokens.records import CLOSED, Summary, record, refusal, summary_of
from service.tokens.sealing import FingerprintKeys, RecordCipher, token_fingerprint

log = logging.getLogger(__name__)


class _Sql(Queries, package="service.tokens"):
    instrument_get: str
    instrument_get_for_update: str
    instrument_insert: str
    instrument_reseal: str
    instrument_destroy: str
    single_use_purge: str
    instrument_live_page: str


_PREFIX = {"card": "C", "mandate": "M", **dict.fromkeys(BANK_KINDS, "D")}
SINGLE_USE_PREFIX = "SC"


def _unreadable(token: str, exc: DecryptionFailed) -> RecordUnreadable:
    metrics.DECRYPT_FAILURES.inc()
    log.error(
        "instrument record failed to decrypt; answering without data",
        extra={"token_sha256": token_fingerprint(token), "cause": str(exc)},
    )
    return RecordUnreadable()


class TokenStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cipher: RecordCipher,
        outbox: AuditOutbox,
        *,
        single_use_ttl_seconds: float,
    ) -> None:
        self.pool = pool
        self.cipher = cipher
        self.fingerprints = FingerprintKeys(cipher.keyring)
        self.outbox = outbox
        self.single_use_ttl_seconds = single_use_ttl_seconds

    async def tokenize(
        self,
        caller: Caller,
        merchant_id: uuid.UUID,
        kind: str,
        raw: Any,
        *,
        single_use: bool = False,
        status: str = "ACTIVE",
    ) -> Summary:
        if not caller.acts_for(merchant_id):
            raise TokenNotFound(_PREFIX[kind])
        if single_use and kind != "card":
            raise InvalidInstrument([FieldError("singleUse", "only cards have single-use tokens")])
        data = instruments.parse(kind, raw, single_use=single_use)

        def tokenized(token: str) -> AuditEvent:
            return audit.event(
                audit.TOKENIZED,
                merchant_id=merchant_id,
                token=token,
                kind=kind,
                client_id=caller.client_id,
            )

        async with self.pool.acquire() as conn:
            if kind != "mandate":
                summary = await self._insert(
                    conn, merchant_id, kind, data, tokenized, single_use=single_use, status=status
                )
            else:
                # The bank account stays locked (and so live) until the mandate is stored.
                async with conn.transaction():
                    bank_token = str(data["bankAccountToken"])
                    await self._require_bank_account(conn, bank_token, merchant_id, caller)
                    summary = await self._insert(
                        conn, merchant_id, kind, data, tokenized, status=status, bank=bank_token
                    )
        metrics.TOKENIZED.labels(kind, str(single_use).lower()).inc()
        return summary

    @staticmethod
    async def _require_bank_account(
        conn: asyncpg.Connection, bank_token: str, merchant_id: uuid.UUID, caller: Caller
    ) -> None:
        bank = await record(conn, _Sql.instrument_get_for_update, bank_token)
        if refusal(bank, merchant_id, caller) is not None or bank["kind"] not in BANK_KINDS:
            raise InvalidInstrument(
                [
                    FieldError(
                        "instrument.bankAccountToken",
                        "does not refer to an active bank account of this merchant",
                    )
                ]
            )

    async def _insert(
        self,
        conn: asyncpg.Connection,
        merchant_id: uuid.UUID,
        kind: str,
        data: dict[str, Any],
        audit_event: Callable[[str], AuditEvent],
        *,
        single_use: bool = False,
        status: str,
        bank: str | None = None,
    ) -> Summary:
        """Store a new record under a fresh token, with ``audit_event(token)`` in the same
        statement (so it needs no transaction of its own)."""
        material = instruments.fingerprint_material(kind, data)
        fingerprint: str | None = None
        version: int | None = None
        if material is not None:
            fingerprint, version = await self.fingerprints.fingerprint(conn, merchant_id, material)
        bin_, last_digits = instruments.display(kind, data)
        ttl = self.single_use_ttl_seconds if single_use else None
        for _ in range(5):  # ~83 random bits: a collision is astronomically unlikely, but cheap
            token = new_payment_token(SINGLE_USE_PREFIX if single_use else _PREFIX[kind])
            sealed = self.cipher.seal(merchant_id, token, kind, data)
            row = await conn.fetchrow(
                _Sql.instrument_insert,
                token,
                merchant_id,
                kind,
                single_use,
                status,
                sealed.kek_id,
                sealed.wrapped_key,
                sealed.ciphertext,
                fingerprint,
                version,
                bin_,
                last_digits,
                bank,
                ttl,
                *self.outbox.row(audit_event(token)),
            )
            if row is not None:
                return Summary(token, kind, fingerprint, version, bin_, last_digits, row[0])
        raise RuntimeError("could not draw an unused token")

    async def update(
        self,
        caller: Caller,
        merchant_id: uuid.UUID,
        token: str,
        raw: Any | None,
        status: str | None,
    ) -> Summary:
        async with self.pool.acquire() as conn, conn.transaction():
            row = await record(conn, _Sql.instrument_get_for_update, token)
            reason = refusal(row, merchant_id, caller, inactive_ok=True)
            if reason == "closed" and raw is None and status == CLOSED:
                return summary_of(row)  # closing again (a retried closure) changes nothing
            if reason == "closed":
                raise InvalidInstrument([FieldError("status", "a closed token cannot change")])
            if reason is not None:
                raise TokenNotFound(token)
            try:
                data = self.cipher.open(row)
            except DecryptionFailed as exc:
                raise _unreadable(token, exc) from None
            if raw is not None:
                data = instruments.merge(row["kind"], data, raw)
            sealed = self.cipher.seal(merchant_id, token, row["kind"], data)
            await conn.execute(
                _Sql.instrument_reseal,
                token,
                sealed.kek_id,
                sealed.wrapped_key,
                sealed.ciphertext,
                status or row["status"],
            )
            await self.outbox.write(
                conn,
                audit.event(
                    audit.UPDATED,
                    merchant_id=merchant_id,
                    token=token,
                    kind=row["kind"],
                    client_id=caller.client_id,
                ),
            )
        metrics.UPDATED.labels(row["kind"]).inc()
        return summary_of(row)

    async def delete(
        self, caller: Caller, merchant_id: uuid.UUID, token: str, reason: str | None = None
    ) -> None:
        """``reason`` (e.g. ``reconciliation``) goes into the audit event of the destruction."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await record(conn, _Sql.instrument_get_for_update, token)
            refused = refusal(row, merchant_id, caller, inactive_ok=True)
            if refused is not None and refused not in ("single_use_token", "expired", "closed"):
                raise TokenNotFound(token)
            await conn.execute(_Sql.instrument_destroy, token, "deleted")
            await self.outbox.write(
                conn,
                audit.event(
                    audit.DELETED,
                    merchant_id=merchant_id,
                    token=token,
                    kind=row["kind"],
                    client_id=caller.client_id,
                    reason=reason,
                ),
            )
        metrics.DELETED.labels(row["kind"], reason or "deleted").inc()

    async def live_page(
        self, caller: Caller, merchant_id: uuid.UUID, after: str, limit: int
    ) -> contract.Listing:
        """A page of the merchant's live permanent records (what reconciliation compares with the
        vault's references); token, kind, status and creation time only."""
        if not caller.acts_for(merchant_id):
            raise TokenNotFound("")
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(_Sql.instrument_live_page, merchant_id, after, limit)
            as_of = rows[0]["as_of"] if rows else await conn.fetchval("SELECT now()")
        return contract.Listing(
            records=[
                contract.ListedRecord(
                    token=r["token"],
                    kind=r["kind"],
                    status=r["status"],
                    created_at=r["created_at"].isoformat(),
                )
                for r in rows
            ],
            as_of=as_of.isoformat(),
            next_after=rows[-1]["token"] if len(rows) == limit else None,
        )

    async def redeem(self, caller: Caller, merchant_id: uuid.UUID, token: str) -> contract.Redeemed:
        """Turn a live single-use card token into a permanent card token, without the CVV."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await record(conn, _Sql.instrument_get_for_update, token)
            if refusal(row, merchant_id, caller, single_use=True) is not None:
                raise TokenNotFound(token)
            try:
                data = self.cipher.open(row)
            except DecryptionFailed as exc:
                raise _unreadable(token, exc) from None
            data.pop("cvv", None)

            def redeemed(new_token: str) -> AuditEvent:
                return audit.event(
                    audit.REDEEMED,
                    merchant_id=merchant_id,
                    token=token,
                    kind="card",
                    client_id=caller.client_id,
                    new_token=new_token,
                )

            summary = await self._insert(conn, merchant_id, "card", data, redeemed, status="ACTIVE")
            await conn.execute(_Sql.instrument_destroy, token, "redeemed")
        metrics.TOKENIZED.labels("card", "false").inc()
        metrics.DELETED.labels("card", "redeemed").inc()
        expiry = data.get("cardExpiry")
        return contract.Redeemed(
            **msgspec.structs.asdict(summary.wire()),
            holder_name=data.get("holderName"),
            card_expiry=msgspec.convert(expiry, contract.CardExpiry) if expiry else None,
            billing_address=data.get("billingAddress"),
        )

    async def resolve(
        self, caller: Caller, merchant_id: uuid.UUID, token: str, purpose: str
    ) -> dict[str, Any]:
        revealed: dict[str, Any] | None = None
        failure: DecryptionFailed | None = None
        # No transaction: the audit row is one autocommitted INSERT written before anything is
        # revealed, so a failed audit still reveals nothing (and BEGIN/COMMIT were half the
        # round trips of a resolve).
        async with self.pool.acquire() as conn:
            row = await record(conn, _Sql.instrument_get, token)
            reason = refusal(row, merchant_id, caller)
            bank = None
            if reason is None and row["kind"] == "mandate":
                bank = await conn.fetchrow(_Sql.instrument_get, row["bank_token"])
                bank_reason = refusal(bank, merchant_id, caller)
                reason = f"bank_account_{bank_reason}" if bank_reason else None
            if reason is None:
                try:
                    revealed = self._reveal(token, row, bank)
                except DecryptionFailed as exc:
                    failure, reason = exc, "decrypt_failed"
            # Another merchant's record is not described, not even by its kind.
            kind = row["kind"] if row is not None and reason != "merchant_not_bound" else None
            await self.outbox.write(
                conn,
                audit.event(
                    audit.REVEALED if reason is None else audit.REFUSED,
                    merchant_id=merchant_id,
                    token=token,
                    kind=kind,
                    client_id=caller.client_id,
                    purpose=purpose,
                    outcome="revealed" if reason is None else "refused",
                    reason=reason,
                ),
            )
        if failure is not None:
            metrics.REFUSED.labels(kind or "unknown", "decrypt_failed").inc()
            raise _unreadable(token, failure)
        if revealed is None:
            metrics.REFUSED.labels(kind or "unknown", reason or "unknown").inc()
            raise TokenNotFound(token)
        metrics.REVEALED.labels(kind or "unknown").inc()
        return revealed

    async def audit_refusal(
        self,
        caller_id: str | None,
        merchant_id: uuid.UUID | None,
        token: str | None,
        purpose: str | None,
        reason: str,
    ) -> None:
        """A resolve refused before it reached a record (no credentials, missing scope)."""
        async with self.pool.acquire() as conn:
            await self.outbox.write(
                conn,
                audit.event(
                    audit.REFUSED,
                    merchant_id=merchant_id,
                    token=token,
                    kind=None,
                    client_id=caller_id,
                    purpose=purpose,
                    outcome="refused",
                    reason=reason,
                ),
            )
        metrics.REFUSED.labels("unknown", reason).inc()

    def _reveal(
        self, token: str, row: asyncpg.Record, bank: asyncpg.Record | None
    ) -> dict[str, Any]:
        data = self.cipher.open(row)
        kind = row["kind"]
        out: dict[str, Any] = {"paymentToken": token, "kind": kind}
        if kind == "card":
            out["card"] = instruments.card_view(data)
            if "billingAddress" in data:
                out["billingAddress"] = data["billingAddress"]
        elif kind == "mandate":
            assert bank is not None
            out["mandate"] = {
                "reference": data["reference"],
                "bankAccountToken": bank["token"],
                "bankAccountKind": bank["kind"],
            }
            out["bankAccount"] = instruments.bank_account_view(self.cipher.open(bank))
        else:
            out["bankAccount"] = instruments.bank_account_view(data)
        return out

    async def purge_expired_single_use(self) -> int:
        status = await self.pool.execute(_Sql.single_use_purge)
        purged = int(status.split()[-1])
        if purged:
            metrics.SINGLE_USE_PURGED.inc(purged)
            metrics.DELETED.labels("card", "expired").inc(purged)
        return purged
