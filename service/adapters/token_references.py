"""The vault's committed token references, read for reconciliation (service/application/reconcile.py)."""

from __future__ import annotations

import uuid

import asyncpg

from infra.sqlfiles import load_sql
from service.application.reconcile import References

_REFERENCES = load_sql("service", "queries/token_references.sql")


class PostgresReferences:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def merchants(self) -> list[uuid.UUID]:
        rows = await self._pool.fetch(
            "SELECT merchant_id FROM vault.merchants ORDER BY merchant_id"
        )
        return [r["merchant_id"] for r in rows]

    async def references(self, merchant_id: uuid.UUID) -> References:
        rows = await self._pool.fetch(_REFERENCES, merchant_id)
        return References(
            instruments=frozenset(r["payment_token"] for r in rows if r["instrument"]),
            profiles=frozenset(r["payment_token"] for r in rows if not r["instrument"]),
        )
