"""Checking an id and a secret against the stored keyed digest: the vault's merchant API keys and
the token service's clients both authenticate this way (``infra.pepper`` makes the digests).

What a replica read about an id, known or not, is cached for ``ttl`` seconds (at most
``max_cached`` ids, oldest dropped first): a request costs no database round trip, and a revoked
key stops working on every replica within ``ttl``. An unknown id and a wrong secret take the same
path (one cache or database lookup, one digest, one constant-time comparison: an unknown id against
a dummy digest), so timing does not tell whether an id exists.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from infra.pepper import Pepper

P = TypeVar("P")

_NO_DIGEST = b"\0" * 32


@dataclass(frozen=True)
class StoredSecret(Generic[P]):
    """Who an id stands for, and the digest of its secret as stored."""

    principal: P
    digest: bytes
    peppered: bool


Lookup = Callable[[str], Awaitable[StoredSecret[P] | None]]
"""The stored secret of an id; None when there is no such (unrevoked) id."""


@dataclass(frozen=True)
class _Cached(Generic[P]):
    expires: float
    principal: P | None
    digest: bytes
    peppered: bool


class SecretCheck(Generic[P]):
    def __init__(
        self, lookup: Lookup[P], *, ttl: float, pepper: Pepper, max_cached: int = 100_000
    ) -> None:
        self._lookup = lookup
        self._ttl = ttl
        self._pepper = pepper
        self._max_cached = max_cached
        self._cache: dict[str, _Cached[P]] = {}

    async def principal(self, credential_id: str, secret: str) -> P | None:
        """Whom ``credential_id`` stands for when ``secret`` is its secret, else None."""
        cached = await self._cached(credential_id)
        matches = self._pepper.matches(secret, cached.digest, cached.peppered)
        return cached.principal if matches and secret else None

    async def _cached(self, credential_id: str) -> _Cached[P]:
        now = time.monotonic()
        cached = self._cache.get(credential_id)
        if cached is None or cached.expires < now:
            stored = await self._lookup(credential_id)
            if stored is None:
                cached = _Cached(now + self._ttl, None, _NO_DIGEST, self._pepper.configured)
            else:
                cached = _Cached(now + self._ttl, stored.principal, stored.digest, stored.peppered)
            self._cache.pop(credential_id, None)
            self._cache[credential_id] = cached
            if len(self._cache) > self._max_cached:
                del self._cache[next(iter(self._cache))]
        return cached
