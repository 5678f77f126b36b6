"""Merchants and their API keys: creation (``vault merchants``) and authentication of requests."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from infra.pepper import Pepper
from infra.sqlfiles import load_sql
from infra.throttle import FailureLimiter

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


async def create_merchant(pool: asyncpg.Pool, name: str) -> uuid.UUID:
    return uuid.UUID(str(await pool.fetchval(_UPSERT_MERCHANT, uuid.uuid4(), name)))


async def issue_api_key(
    pool: asyncpg.Pool, merchant_id: uuid.UUID, kind: KeyKind, pepper: Pepper | None = None
) -> IssuedKey:
    key_id = f"{'sut' if kind == 'single_use' else 'key'}-{secrets.token_hex(8)}"
    secret = f"B-{secrets.token_urlsafe(32)}"
    digest, peppered = (pepper or Pepper.from_env()).digest(secret)
    await pool.execute(_INSERT_KEY, key_id, merchant_id, kind, digest, peppered)
    return IssuedKey(merchant_id=merchant_id, key_id=key_id, secret=secret, kind=kind)


@dataclass(frozen=True)
class _Entry:
    expires: float
    principal: Principal | None  # None: no such (unrevoked) key
    digest: bytes
    peppered: bool


_NO_DIGEST = b"\0" * 32


class Authenticator:
    """Checks Basic credentials against the stored digests, under the failure limits of
    ``infra.throttle`` (429 after too many failures from a source or for a key id).

    Key ids, known or not, are cached for ``ttl`` seconds (at most ``max_cached`` of them, oldest
    dropped first), so a request costs no database round trip and a revoked key stops working
    within ``ttl`` on every replica. An unknown id and a wrong secret take the same path: one
    cache or database lookup, one digest, one constant-time comparison (an unknown id is compared
    against a dummy digest), so timing does not tell whether a key id exists.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        ttl: float | None = None,
        *,
        limiter: FailureLimiter | None = None,
        pepper: Pepper | None = None,
        max_cached: int = 100_000,
    ) -> None:
        self._pepper = pepper or Pepper.from_env()
        self._pool = pool
        self._ttl = float(os.environ.get("VAULT_AUTH_CACHE_SECONDS", "30")) if ttl is None else ttl
        # Read once: ``client_address`` would otherwise look the variable up on every request.
        self.trusted_proxies = os.environ.get("VAULT_TRUSTED_PROXIES", "")
        self._limiter = limiter or FailureLimiter("vault-api")
        self._max_cached = max_cached
        self._cache: dict[str, _Entry] = {}

    async def authenticate(self, key_id: str, secret: str, source: str = "") -> Principal | None:
        return await self._limiter.guard(source, key_id, self._verify, key_id, secret)

    async def _verify(self, key_id: str, secret: str) -> Principal | None:
        entry = await self._entry(key_id)
        matches = self._pepper.matches(secret, entry.digest, entry.peppered)
        return entry.principal if matches and secret else None

    async def _entry(self, key_id: str) -> _Entry:
        now = time.monotonic()
        entry = self._cache.get(key_id)
        if entry is None or entry.expires < now:
            row = await self._pool.fetchrow(_LOOKUP, key_id)
            if row["merchant_id"] is None:
                entry = _Entry(now + self._ttl, None, _NO_DIGEST, self._pepper.configured)
            else:
                principal = Principal(
                    merchant_id=row["merchant_id"], key_id=key_id, kind=row["kind"]
                )
                digest = bytes(row["secret_sha256"])
                entry = _Entry(now + self._ttl, principal, digest, row["secret_peppered"])
            self._cache.pop(key_id, None)
            self._cache[key_id] = entry
            if len(self._cache) > self._max_cached:
                del self._cache[next(iter(self._cache))]
        return entry
