"""Keyed digests of the API-key and service-client secrets we issue.

A secret is 256 random bits, so a slow password hash would only add latency; but a bare SHA-256 in
the database lets whoever reads that table check candidate secrets offline. The stored value is
therefore ``HMAC-SHA256(pepper, SHA-256(secret))`` with a pepper that lives outside the database
(``VAULT_SECRET_PEPPER_FILE``: a mounted Secret, or ``VAULT_SECRET_PEPPER``). Hashing the SHA-256
rather than the secret is what makes the migration possible without knowing any secret: a stored
legacy SHA-256 becomes its peppered form by one HMAC (``Pepper.wrap``), row by row, flagged
``secret_peppered``.

Without a pepper configured, new secrets are stored as legacy SHA-256 and peppered rows cannot be
verified (their holders are refused): configure the pepper on every replica before migrating.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

import asyncpg

from infra.transport_settings import AuthSettings


class Pepper:
    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Pepper:
        value = AuthSettings.from_env(environ).secret_pepper  # or VAULT_SECRET_PEPPER_FILE
        if value and len(value) < 32:
            raise ValueError("VAULT_SECRET_PEPPER must be at least 32 characters of random data")
        return cls(value.encode())

    @property
    def configured(self) -> bool:
        return bool(self._key)

    def wrap(self, sha256_digest: bytes) -> bytes:
        """The peppered form of a stored legacy SHA-256 digest."""
        return hmac.new(self._key, sha256_digest, hashlib.sha256).digest()

    def digest(self, secret: str) -> tuple[bytes, bool]:
        """(value to store, peppered?) for a newly issued secret."""
        legacy = hashlib.sha256(secret.encode()).digest()
        return (self.wrap(legacy), True) if self.configured else (legacy, False)

    def matches(self, secret: str, stored: bytes, peppered: bool) -> bool:
        """Whether ``secret`` is the one ``stored`` was made from, in constant time. Both forms are
        always computed, so the work does not depend on the row (nor on whether there is one)."""
        legacy = hashlib.sha256(secret.encode()).digest()
        keyed = self.wrap(legacy)
        if peppered and not self.configured:
            return False
        return hmac.compare_digest(keyed if peppered else legacy, stored)


async def pepper_rows(pool: asyncpg.Pool, pepper: Pepper, select_sql: str, update_sql: str) -> int:
    """Convert stored legacy digests to their peppered form in one transaction; returns how many.
    ``select_sql`` yields (id, legacy digest) rows (locked); ``update_sql`` takes (id, peppered)."""
    if not pepper.configured:
        raise ValueError("VAULT_SECRET_PEPPER (or VAULT_SECRET_PEPPER_FILE) is not set")
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(select_sql)
        await conn.executemany(update_sql, [(row[0], pepper.wrap(bytes(row[1]))) for row in rows])
    return len(rows)
