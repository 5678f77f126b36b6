"""Merchants and their API keys: creation (``vault merchants``) and authentication of requests."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

import asyncpg

from infra.credentials import SecretCheck, StoredSecret
from infra.pepper import Pepper
from infra.sqlfiles import Queries
from infra.throttle import FailureLimiter
from infra.transport_settings import AuthSettings

KeyKind = Literal["server", "single_use"]


class _Sql(Queries, package="service"):
    api_key_lookup: str
    merchant_upsert: str
    api_key_insert: str


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
    return uuid.UUID(str(await pool.fetchval(_Sql.merchant_upsert, uuid.uuid4(), name)))


async def issue_api_key(
    pool: asyncpg.Pool, merchant_id: uuid.UUID, kind: KeyKind, pepper: Pepper | None = None
) -> IssuedKey:
    key_id = f"{'sut' if kind == 'single_use' else 'key'}-{secrets.token_hex(8)}"
    secret = f"B-{secrets.token_urlsafe(32)}"
    digest, peppered = (pepper or Pepper.from_env()).digest(secret)
    await pool.execute(_Sql.api_key_insert, key_id, merchant_id, kind, digest, peppered)
    return IssuedKey(merchant_id=merchant_id, key_id=key_id, secret=secret, kind=kind)


class Authenticator:
    """Checks Basic credentials against the stored digests (``infra.credentials``: cached for
    ``ttl`` seconds, the same path and timing for an unknown key id as for a wrong secret), under
    the failure limits of ``infra.throttle`` (429 after too many failures from a source or for a
    key id)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        ttl: float | None = None,
        *,
        limiter: FailureLimiter | None = None,
        pepper: Pepper | None = None,
        max_cached: int = 100_000,
    ) -> None:
        self._pool = pool
        auth = AuthSettings.from_env()
        ttl = auth.cache_seconds if ttl is None else ttl
        # Read once: ``client_address`` would otherwise look the variable up on every request.
        self.trusted_proxies = auth.trusted_proxies
        pepper = pepper or Pepper.from_env()
        self._check = SecretCheck(self._stored, ttl=ttl, pepper=pepper, max_cached=max_cached)
        self._limiter = limiter or FailureLimiter("vault-api")

    async def authenticate(self, key_id: str, secret: str, source: str = "") -> Principal | None:
        return await self._limiter.guard(source, key_id, self._check.principal, key_id, secret)

    async def _stored(self, key_id: str) -> StoredSecret[Principal] | None:
        row = await self._pool.fetchrow(_Sql.api_key_lookup, key_id)
        if row["merchant_id"] is None:
            return None
        principal = Principal(merchant_id=row["merchant_id"], key_id=key_id, kind=row["kind"])
        return StoredSecret(principal, bytes(row["secret_sha256"]), row["secret_peppered"])
