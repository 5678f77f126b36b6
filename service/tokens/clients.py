"""Service clients of the token service: creation (``vault tokens clients create``) and Basic auth.

Same pattern as service/merchants.py: the secret is 256 random bits we generate, stored as SHA-256,
compared in constant time; known clients are cached for ``ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import asyncpg

from infra.sqlfiles import load_sql

SCOPES = ("tokenize", "detokenize", "keys")

_LOOKUP = load_sql("service.tokens", "queries/client_lookup.sql")
_INSERT = load_sql("service.tokens", "queries/client_insert.sql")


@dataclass(frozen=True)
class Caller:
    client_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class IssuedClient:
    client_id: str
    secret: str
    scopes: tuple[str, ...]


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def create_client(pool: asyncpg.Pool, name: str, scopes: list[str]) -> IssuedClient:
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}")
    ordered = tuple(s for s in SCOPES if s in scopes)
    client_id = f"tsc-{secrets.token_hex(8)}"
    secret = f"T-{secrets.token_urlsafe(32)}"
    await pool.execute(_INSERT, client_id, name, list(ordered), _digest(secret))
    return IssuedClient(client_id=client_id, secret=secret, scopes=ordered)


class ClientAuthenticator:
    def __init__(self, pool: asyncpg.Pool, ttl: float = 30.0) -> None:
        self._pool = pool
        self._ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str], bytes]] = {}

    async def authenticate(self, client_id: str, secret: str) -> Caller | None:
        now = time.monotonic()
        cached = self._cache.get(client_id)
        if cached is None or cached[0] < now:
            row = await self._pool.fetchrow(_LOOKUP, client_id)
            if row is None:
                self._cache.pop(client_id, None)
                hmac.compare_digest(_digest(secret), b"\0" * 32)
                return None
            cached = (now + self._ttl, frozenset(row["scopes"]), bytes(row["secret_sha256"]))
            self._cache[client_id] = cached
        _, scopes, digest = cached
        if not hmac.compare_digest(_digest(secret), digest):
            return None
        return Caller(client_id=client_id, scopes=scopes)
