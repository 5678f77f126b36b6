"""Service clients of the token service: creation and revocation (``vault tokens clients``), and
Basic auth.

Same pattern as the vault's merchant API keys: the secret is 256 random bits we generate, stored as
SHA-256, compared in constant time. A client is bound to merchants (or, explicitly, to all of
them): it is refused, like an unknown token, for any other merchant. What a replica read about a
client is cached for ``ttl`` seconds, so a revocation or a new binding takes effect on every
replica within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from infra.sqlfiles import load_sql

SCOPES = ("tokenize", "detokenize", "keys", "audit", "reconcile")

_LOOKUP = load_sql("service.tokens", "queries/client_lookup.sql")
_INSERT = load_sql("service.tokens", "queries/client_insert.sql")
_BIND = load_sql("service.tokens", "queries/client_bind.sql")
_REVOKE = load_sql("service.tokens", "queries/client_revoke.sql")


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


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def create_client(
    pool: asyncpg.Pool,
    name: str,
    scopes: Sequence[str],
    *,
    merchants: Sequence[uuid.UUID] = (),
    all_merchants: bool = False,
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
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_INSERT, client_id, name, list(ordered), _digest(secret), all_merchants)
        await conn.execute(_BIND, client_id, list(bound))
    return IssuedClient(client_id, secret, ordered, bound, all_merchants)


async def revoke_client(pool: asyncpg.Pool, client_id: str) -> bool:
    """True when the client was live and is now revoked."""
    return str(await pool.execute(_REVOKE, client_id)) == "UPDATE 1"


@dataclass(frozen=True)
class _Known:
    until: float
    caller: Caller
    digest: bytes


class ClientAuthenticator:
    def __init__(self, pool: asyncpg.Pool, ttl: float = 30.0) -> None:
        self._pool = pool
        self._ttl = ttl
        self._cache: dict[str, _Known] = {}

    async def authenticate(self, client_id: str, secret: str) -> Caller | None:
        now = time.monotonic()
        known = self._cache.get(client_id)
        if known is None or known.until < now:
            row = await self._pool.fetchrow(_LOOKUP, client_id)
            if row is None:
                self._cache.pop(client_id, None)
                hmac.compare_digest(_digest(secret), b"\0" * 32)
                return None
            caller = Caller(
                client_id,
                frozenset(row["scopes"]),
                frozenset(row["merchants"]),
                row["all_merchants"],
            )
            known = _Known(now + self._ttl, caller, bytes(row["secret_sha256"]))
            self._cache[client_id] = known
        if not hmac.compare_digest(_digest(secret), known.digest):
            return None
        return known.caller
