"""Service clients of the token service: creation and revocation (``vault tokens clients``), and
Basic auth.

Same pattern as the vault's merchant API keys: the secret is 256 random bits we generate, stored as
a keyed hash with the server-side pepper (``infra.pepper``; legacy rows as SHA-256 until
``vault tokens clients pepper`` converts them), compared in constant time. A client is bound to merchants (or, explicitly, to all of
them): it is refused, like an unknown token, for any other merchant. What a replica read about a
client (or that there is no such client) is cached for ``ttl`` seconds, so a revocation or a new
binding takes effect on every replica within that time.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from infra.credentials import SecretCheck, StoredSecret
from infra.pepper import Pepper, pepper_rows
from infra.sqlfiles import Queries

SCOPES = ("tokenize", "detokenize", "keys", "audit", "reconcile")


class _Sql(Queries, package="service.tokens"):
    client_lookup: str
    client_insert: str
    client_bind: str
    client_revoke: str
    clients_unpeppered: str
    client_pepper: str


@dataclass(frozen=True)
class Caller:
    client_id: str
    scopes: frozenset[str]
    merchants: frozenset[uuid.UUID] = frozenset()
    all_merchants: bool = False

    def acts_for(self, merchant_id: uuid.UUID | None) -> bool:
        return self.all_merchants or merchant_id in self.merchants


@dataclass(frozen=True)
class IssuedClient:
    client_id: str
    secret: str
    scopes: tuple[str, ...]
    merchants: tuple[uuid.UUID, ...] = ()
    all_merchants: bool = False


async def create_client(
    pool: asyncpg.Pool,
    name: str,
    scopes: Sequence[str],
    *,
    merchants: Sequence[uuid.UUID] = (),
    all_merchants: bool = False,
    pepper: Pepper | None = None,
) -> IssuedClient:
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}")
    if bool(merchants) == all_merchants:
        raise ValueError("a client is bound to --merchant UUID (repeatable) or --all-merchants")
    ordered = tuple(s for s in SCOPES if s in scopes)
    bound = tuple(dict.fromkeys(merchants))
    client_id = f"tsc-{secrets.token_hex(8)}"
    secret = f"T-{secrets.token_urlsafe(32)}"
    digest, peppered = (pepper or Pepper.from_env()).digest(secret)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            _Sql.client_insert, client_id, name, list(ordered), digest, all_merchants, peppered
        )
        await conn.execute(_Sql.client_bind, client_id, list(bound))
    return IssuedClient(client_id, secret, ordered, bound, all_merchants)


async def revoke_client(pool: asyncpg.Pool, client_id: str) -> bool:
    """True when the client was live and is now revoked."""
    return str(await pool.execute(_Sql.client_revoke, client_id)) == "UPDATE 1"


async def pepper_clients(pool: asyncpg.Pool, pepper: Pepper) -> int:
    """Convert every legacy SHA-256 client digest to its peppered form; returns how many.
    Idempotent; run it after every replica has the pepper."""
    return await pepper_rows(pool, pepper, _Sql.clients_unpeppered, _Sql.client_pepper)


class ClientAuthenticator:
    """A client's id and secret checked against the stored digest (``infra.credentials``: cached
    for ``ttl`` seconds, the same path and timing for an unknown id as for a wrong secret)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        ttl: float = 30.0,
        *,
        pepper: Pepper | None = None,
        max_cached: int = 100_000,
    ) -> None:
        self._pool = pool
        pepper = pepper or Pepper.from_env()
        self._check = SecretCheck(self._stored, ttl=ttl, pepper=pepper, max_cached=max_cached)

    async def authenticate(self, client_id: str, secret: str) -> Caller | None:
        return await self._check.principal(client_id, secret)

    async def _stored(self, client_id: str) -> StoredSecret[Caller] | None:
        # The query always returns one row: its columns are NULL for an unknown client.
        row = await self._pool.fetchrow(_Sql.client_lookup, client_id)
        if row["scopes"] is None:
            return None
        caller = Caller(
            client_id, frozenset(row["scopes"]), frozenset(row["merchants"]), row["all_merchants"]
        )
        return StoredSecret(caller, bytes(row["secret_sha256"]), row["secret_peppered"])
