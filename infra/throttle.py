"""Limits on credential guessing, shared by both services' authentication.

Failed authentications are counted per source address and per claimed key id in fixed windows;
once either count reaches its limit, that source (or key id) is answered 429 with ``Retry-After``
until the window ends, without its credentials being checked. Secrets are 256 random bits, so
guessing one is hopeless anyway: the limits stop the flood (CPU, log and audit volume) and make
probing for key ids slow. The per-key-id limit also locks the rightful holder out while someone
guesses at its id; that is the price of not letting a botnet spread guesses over many addresses,
and why its default is higher than the per-source one.

State is per process (each replica counts alone: the effective limit is ``replicas * limit``) and
bounded: at most ``max_tracked`` sources and key ids per window, after which new ones are not
counted (the ones already tracked still are).

``FailedLoginTally`` turns a stream of failed logins into one audit record per source and window
with a count, instead of one record per failure (which made failed logins a cheap way to flood the
token service's audit log and Kafka topic).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aiohttp import web
from prometheus_client import Counter

from infra.errors import ApiError, ErrorCode
from infra.transport_settings import AuthSettings

AUTH_FAILURES = Counter("vault_auth_failures_total", "Failed authentications", ["service"])
AUTH_THROTTLED = Counter(
    "vault_auth_throttled_total",
    "Requests refused with 429 because of earlier failed authentications",
    ["service", "scope"],
)
# Not a Paysafe code (Paysafe documents none for this): docs/security.md.
TOO_MANY_FAILURES = ErrorCode(
    "5599", 429, "Too many failed authentication attempts; retry after the time in Retry-After."
)
Clock = Callable[[], float]
T = TypeVar("T")


class Throttled(ApiError):
    """A 429: rendered as-is by both services' error middleware (it is an ``ApiError``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(TOO_MANY_FAILURES, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


@dataclass
class _Window:
    index: int
    counts: dict[str, int] = field(default_factory=dict)


class _Counts:
    """Counts in the current fixed window; a new window starts empty."""

    def __init__(self, window: float, max_tracked: int, clock: Clock) -> None:
        self._length = window
        self._max_tracked = max_tracked
        self._clock = clock
        self._window = _Window(-1)

    def _current(self) -> _Window:
        index = int(self._clock() // self._length)
        if index != self._window.index:
            self._window = _Window(index)
        return self._window

    def count(self, key: str) -> int:
        return self._current().counts.get(key, 0)

    def add(self, key: str) -> None:
        counts = self._current().counts
        if key in counts or len(counts) < self._max_tracked:
            counts[key] = counts.get(key, 0) + 1

    def seconds_left(self) -> int:
        now = self._clock()
        return max(1, math.ceil((int(now // self._length) + 1) * self._length - now))


class FailureLimiter:
    """Per-source and per-key-id failure counts of one service. The limits are read from the
    environment when first needed (``settings`` overrides them)."""

    def __init__(
        self,
        service: str,
        settings: AuthSettings | None = None,
        clock: Clock = time.time,
        *,
        max_tracked: int = 100_000,
    ) -> None:
        self._service = service
        self._given = settings
        self._clock = clock
        self._max_tracked = max_tracked
        self._state: tuple[AuthSettings, _Counts, _Counts] | None = None

    def _counts(self) -> tuple[AuthSettings, _Counts, _Counts]:
        if self._state is None:
            settings = self._given or AuthSettings.from_env()
            window, tracked = settings.window_seconds, self._max_tracked
            self._state = (
                settings,
                _Counts(window, tracked, self._clock),
                _Counts(window, tracked, self._clock),
            )
        return self._state

    def check(self, source: str, key_id: str) -> None:
        """Raise ``Throttled`` when the source or the key id used up its failures."""
        settings, sources, keys = self._counts()
        for scope, counts, limit, key in (
            ("source", sources, settings.max_failures_per_source, source),
            ("key", keys, settings.max_failures_per_key, key_id),
        ):
            if limit > 0 and counts.count(key) >= limit:
                AUTH_THROTTLED.labels(self._service, scope).inc()
                raise Throttled(counts.seconds_left())

    def failed(self, source: str, key_id: str) -> None:
        _, sources, keys = self._counts()
        AUTH_FAILURES.labels(self._service).inc()
        sources.add(source)
        keys.add(key_id)

    async def guard(
        self,
        source: str,
        key_id: str,
        authenticate: Callable[[str, str], Awaitable[T | None]],
        user: str,
        secret: str,
    ) -> T | None:
        """``authenticate(user, secret)`` (None on failure) under the limits: not even called
        when they are used up."""
        self.check(source, key_id)
        result = await authenticate(user, secret)
        if result is None:
            self.failed(source, key_id)
        return result


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted(spec: str) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"VAULT_TRUSTED_PROXIES must be CIDRs: {exc}") from None


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(request: web.Request, trusted_proxies: str | None = None) -> str:
    """The address failures are counted against. Behind an ingress every request comes from the
    proxy, which would make one guesser throttle everyone: when the peer is a trusted proxy
    (``VAULT_TRUSTED_PROXIES``, CIDRs), the nearest ``X-Forwarded-For`` entry that is not itself
    a trusted proxy is taken instead (entries further left are the client's to forge)."""
    spec = (
        os.environ.get("VAULT_TRUSTED_PROXIES", "") if trusted_proxies is None else trusted_proxies
    )
    trusted = _trusted(spec)
    peer = request.remote or ""
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [
        hop.strip() for hop in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")
    ]
    for hop in reversed([hop for hop in hops if hop]):
        if not _is_trusted(hop, trusted):
            return hop[:64]
    return peer


@dataclass(frozen=True)
class FailedLogins:
    source: str
    claimed_id: str | None
    count: int


class FailedLoginTally:
    """Failed logins summed per source; ``drain`` hands out one ``FailedLogins`` per source seen
    since the last drain (``run`` drains every ``window`` seconds). The claimed id kept is the last
    one a source used, cut to 64 characters."""

    def __init__(self, max_tracked: int = 100_000) -> None:
        self._max_tracked = max_tracked
        self._counts: dict[str, tuple[str | None, int]] = {}

    def add(self, source: str, claimed_id: str | None) -> None:
        previous = self._counts.get(source)
        if previous is None and len(self._counts) >= self._max_tracked:
            source = "other"  # still counted, not per source: the table stays bounded
            previous = self._counts.get(source)
        count = previous[1] if previous else 0
        self._counts[source] = (claimed_id[:64] if claimed_id else None, count + 1)

    def drain(self) -> list[FailedLogins]:
        counts, self._counts = self._counts, {}
        return [FailedLogins(source, claimed, n) for source, (claimed, n) in counts.items()]

    async def run(
        self,
        stop: asyncio.Event,
        write: Callable[[FailedLogins], Awaitable[None]],
        window: float = 60.0,
    ) -> None:
        """Until ``stop``: every ``window`` seconds (and once more at the end), ``write`` each
        source's tally (one audit record per source and window)."""
        while True:
            stopped = False
            try:
                async with asyncio.timeout(window):
                    await stop.wait()
                stopped = True
            except TimeoutError:
                pass
            for tally in self.drain():
                await write(tally)
            if stopped:
                return
