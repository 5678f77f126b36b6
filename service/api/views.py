"""Reads from the profile view, always scoped to the calling merchant."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from events.sqlfiles import load_sql
from projections.documents import ADDRESS_KEY_ORDER, PROFILE_KEY_ORDER, ordered

_PROFILE = load_sql("service", "queries/profile_view_get.sql")
_BY_CUSTOMER_ID = load_sql("service", "queries/profile_view_by_customer_id.sql")
_ADDRESSES = load_sql("service", "queries/address_view_list.sql")
_ADDRESS = load_sql("service", "queries/address_view_get.sql")
_decode = msgspec.json.Decoder(dict[str, Any]).decode


def _profile(raw: str) -> dict[str, Any]:
    return ordered(_decode(raw), PROFILE_KEY_ORDER)


def _address(raw: str) -> dict[str, Any]:
    return ordered(_decode(raw), ADDRESS_KEY_ORDER)


class ProfileView:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def profile(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, fields: frozenset[str]
    ) -> dict[str, Any] | None:
        async with self._pool.acquire() as conn:
            raw = await conn.fetchval(_PROFILE, profile_id, merchant_id)
            if raw is None:
                return None
            document = _profile(raw)
            if "addresses" in fields:
                rows = await conn.fetch(_ADDRESSES, profile_id, merchant_id)
                document["addresses"] = [_address(r["document"]) for r in rows]
        return document

    async def profiles_by_customer_id(
        self, merchant_id: uuid.UUID, merchant_customer_id: str
    ) -> list[tuple[uuid.UUID, dict[str, Any]]]:
        rows = await self._pool.fetch(_BY_CUSTOMER_ID, merchant_id, merchant_customer_id)
        return [(r["profile_id"], _profile(r["document"])) for r in rows]

    async def address(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, address_id: uuid.UUID
    ) -> dict[str, Any] | None:
        raw = await self._pool.fetchval(_ADDRESS, address_id, profile_id, merchant_id)
        return None if raw is None else _address(raw)
