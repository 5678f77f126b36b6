"""Merchants and their API keys: creation (``vault merchants``) and authentication of requests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from infra.sqlfiles import load_sql

KeyKind = Literal["server", "single_use"]

_LOOKUP = load_sql("service", "queries/api_key_lookup.sql")
_UPSERT_MERCHANT = load_sql("service", "queries/merchant_upsert.sql")
_INSERT_KEY = load_sql("service", "queries/api_key_insert.sql")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the merchant every read and write is scoped to, and the key's kind."""

    merchant_id: uuid.UUID
    key_id: str
    kind: KeyKind


@dataclass(frozen=True)
class IssuedKey:
    merchant_id: uuid.UUID
    key_id: str
    secret: str
    kind: KeyKind

    @property
    def basic_credentials(self) -> str:
        return f"{self.key_id}:{self.secret}"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def create_merchant(pool: asyncpg.Pool, name: str) -> uuid.UUID:
    return uuid.UUID(str(await pool.fetchval(_UPSERT_MERCHANT, uuid.uuid4(), name)))


async def issue_api_key(pool: asyncpg.Pool, merchant_id: uuid.UUID, kind: KeyKind) -> IssuedKey:
    key_id = f"{'sut' if kind == 'single_use' else 'key'}-{secrets.token_hex(8)}"
    secret = f"B-{secrets.token_urlsafe(32)}"
    await pool.execute(_INSERT_KEY, key_id, merchant_id, kind, _digest(secret))
    return IssuedKey(merchant_id=merchant_id, key_id=key_id, secret=secret, kind=kind)


class Authenticator:
    """Checks Basic credentials against the stored digests.

    Known keys are cached for ``ttl`` seconds so a request costs no database round trip; a revoked
    key therefore stops working within ``ttl``. Unknown key ids are not cached (no memory growth from
    guessed ids), and the secret is compared in constant time.
    """

    def __init__(self, pool: asyncpg.Pool, ttl: float = 30.0) -> None:
        self._pool = pool
        self._ttl = ttl
        self._cache: dict[str, tuple[float, uuid.UUID, KeyKind, bytes]] = {}

    async def authenticate(self, key_id: str, secret: str) -> Principal | None:
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is None or cached[0] < now:
            row = await self._pool.fetchrow(_LOOKUP, key_id)
            if row is None:
                self._cache.pop(key_id, None)
                # Spend the same work as a real comparison so timing does not reveal key ids.
                hmac.compare_digest(_digest(secret), b"\0" * 32)
                return None
            cached = (now + self._ttl, row["merchant_id"], row["kind"], bytes(row["secret_sha256"]))
            self._cache[key_id] = cached
        _, merchant_id, kind, digest = cached
        if not hmac.compare_digest(_digest(secret), digest):
            return None
        return Principal(merchant_id=merchant_id, key_id=key_id, kind=kind)
