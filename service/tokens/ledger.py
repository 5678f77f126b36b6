"""The token access ledger (PCI DSS requirement 10): who resolved, or was refused, which token,
when and why.

The rows are the audit outbox's own (``service/tokens/audit.py``): written in the access's
transaction, published to Kafka, then kept for ``VAULT_TOKEN_AUDIT_RETENTION_SECONDS`` (default a
year) before the publisher purges them. A client with the ``audit`` scope reads the slice of a
merchant it is bound to, newest first, by token and time window, a page at a time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from infra.sqlfiles import load_sql
from service.tokens import contract
from service.tokens import errors as e
from service.tokens.errors import FieldError
from service.tokens.sealing import token_fingerprint

_LEDGER = load_sql("service.tokens", "queries/audit_ledger.sql")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
QUERY: dict[str, dict[str, Any]] = {
    "merchantId": {"type": "string", "format": "uuid"},
    "paymentToken": {"type": "string", "maxLength": 50},
    "from": {"type": "string", "format": "date-time"},
    "to": {"type": "string", "format": "date-time"},
    "before": {"type": "string", "description": "the `next` cursor of the previous page"},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
}


@dataclass(frozen=True, kw_only=True)
class LedgerQuery:
    merchant_id: uuid.UUID
    token_fingerprint: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = DEFAULT_LIMIT


def _time(name: str, text: str | None, bad: list[FieldError]) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        bad.append(FieldError(name, "must be an RFC 3339 time with an offset"))
    return moment


def _count(name: str, text: str | None, low: int, high: int, bad: list[FieldError]) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        bad.append(FieldError(name, f"must be an integer from {low} to {high}"))
        return None
    return int(text)


def parse_query(query: dict[str, str]) -> LedgerQuery:
    """The ledger query of a request's parameters, or 400 5068 naming every bad one (values are
    never echoed: a payment token is not shown back)."""
    bad: list[FieldError] = []
    try:
        merchant = uuid.UUID(query.get("merchantId", ""))
    except ValueError:
        bad.append(FieldError("merchantId", contract.FIELD_MESSAGES["merchantId"]))
    token = query.get("paymentToken")
    if token is not None and not 1 <= len(token) <= 50:
        bad.append(FieldError("paymentToken", contract.FIELD_MESSAGES["paymentToken"]))
    since, until = _time("from", query.get("from"), bad), _time("to", query.get("to"), bad)
    before = _count("before", query.get("before"), 1, 2**63 - 1, bad)
    limit = _count("limit", query.get("limit"), 1, MAX_LIMIT, bad)
    if bad:
        raise e.invalid(bad)
    return LedgerQuery(
        merchant_id=merchant,
        token_fingerprint=token_fingerprint(token) if token else None,
        since=since,
        until=until,
        before=before,
        limit=limit or DEFAULT_LIMIT,
    )


async def read_ledger(pool: asyncpg.Pool, query: LedgerQuery) -> contract.AccessLedger:
    rows = await pool.fetch(
        _LEDGER,
        str(query.merchant_id),
        query.token_fingerprint,
        query.since,
        query.until,
        query.before,
        query.limit + 1,  # one more than asked tells whether an older page exists
    )
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return contract.AccessLedger(
        accesses=[msgspec.json.decode(row["payload"], type=contract.Access) for row in page],
        next=str(page[-1]["id"]) if more else None,
    )
