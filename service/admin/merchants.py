"""Administration of merchant API keys: revoking one, peppering the stored digests."""

from __future__ import annotations

import asyncpg

from infra.pepper import Pepper, pepper_rows
from infra.sqlfiles import Queries


class _Sql(Queries, package="service"):
    api_key_revoke: str
    api_keys_unpeppered: str
    api_key_pepper: str


async def revoke_key(pool: asyncpg.Pool, key_id: str) -> bool:
    """Revoke an API key; False when there is no such unrevoked key. Replicas that cached the key
    keep accepting it until their cache entry expires (``VAULT_AUTH_CACHE_SECONDS``)."""
    return await pool.fetchval(_Sql.api_key_revoke, key_id) is not None


async def pepper_keys(pool: asyncpg.Pool, pepper: Pepper) -> int:
    """Convert every legacy SHA-256 digest to its peppered form (``infra.pepper``); returns how
    many. Idempotent; run it after every replica has the pepper."""
    return await pepper_rows(pool, pepper, _Sql.api_keys_unpeppered, _Sql.api_key_pepper)
