"""What a stored instrument record says about its use: the summary answered for it, and why a
caller may not use it (one refusal vocabulary for every operation, audited on resolve)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from service.tokens import contract
from service.tokens.clients import Caller

CLOSED = "CLOSED"  # terminal: a closed token (a cancelled mandate) never resolves or changes again


@dataclass(frozen=True)
class Summary:
    token: str
    kind: str
    fingerprint: str | None
    fingerprint_key_version: int | None
    bin: str | None
    last_digits: str | None
    expires_at: datetime | None

    def wire(self) -> contract.Tokenized:
        return contract.Tokenized(
            token=self.token,
            kind=self.kind,
            fingerprint=self.fingerprint,
            fingerprint_key_version=self.fingerprint_key_version,
            bin=self.bin,
            last_digits=self.last_digits,
            expires_at=self.expires_at.isoformat() if self.expires_at else None,
        )


def summary_of(row: asyncpg.Record) -> Summary:
    return Summary(
        token=row["token"],
        kind=row["kind"],
        fingerprint=row["fingerprint"],
        fingerprint_key_version=row["fingerprint_version"],
        bin=row["bin"],
        last_digits=row["last_digits"],
        expires_at=row["expires_at"],
    )


def refusal(
    row: asyncpg.Record | None,
    merchant_id: uuid.UUID,
    caller: Caller,
    *,
    single_use: bool = False,
    inactive_ok: bool = False,
) -> str | None:
    """Why a record may not be used by this merchant through this client (None: it may)."""
    if not caller.acts_for(merchant_id):
        return "merchant_not_bound"
    if row is None:
        return "unknown_token"
    if row["merchant_id"] != merchant_id:
        return "foreign_merchant"
    if row["deleted_at"] is not None:
        return "deleted"
    if row["single_use"] != single_use:
        return "single_use_token" if row["single_use"] else "not_single_use"
    if row["expired"]:
        return "expired"
    if row["status"] == CLOSED:
        return "closed"
    if row["status"] != "ACTIVE" and not inactive_ok:
        return "inactive"
    return None


async def record(conn: asyncpg.Connection, query: str, token: str) -> Any:
    """The record of ``token``; None for text no token can be (PostgreSQL refuses NUL and lone
    surrogates, and an error there would be a 500 instead of the unknown-token answer)."""
    if "\x00" in token or not token.isascii():
        return None
    return await conn.fetchrow(query, token)
