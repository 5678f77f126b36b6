"""Answering a dependency outage honestly: 503, a JSON error of the app's vocabulary, Retry-After,
and one warning per outage in the logs instead of a stack trace per request.

An app puts ``dependency_unavailable(...)`` handlers in its error table (``infra.errors``) for the
exceptions that mean "the dependency is not there": ``postgres_unavailable`` lists asyncpg's. The
first failure of an outage logs a warning; the outage ends when no request failed for
``quiet_seconds`` and the optional probe (e.g. ``SELECT 1`` on the pool) succeeds, which is logged
with the outage's duration and the number of requests it refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web

from infra.errors import ApiError, ErrorCode, ErrorHandler

log = logging.getLogger(__name__)

DEPENDENCY_UNAVAILABLE = ErrorCode(
    "1099", 503, "The service is temporarily unavailable; retry the request after Retry-After."
)
"""Not a Paysafe code (their 1xxx codes stop well before it): a dependency of the service, its
database, is unavailable. Documented in docs/api.md."""

Probe = Callable[[web.Request], Awaitable[object]]
"""Succeeds once the dependency answers again; given the request whose failure started it."""


class Outage:
    """The state of one dependency as this process sees it: up, or down since the first failure."""

    def __init__(
        self, dependency: str, *, retry_after_seconds: int = 2, quiet_seconds: float = 1.0
    ) -> None:
        self.dependency = dependency
        self.retry_after_seconds = retry_after_seconds
        self.quiet_seconds = quiet_seconds
        self.refused = 0
        self._started: float | None = None
        self._last_failure = 0.0
        self._watcher: asyncio.Task[None] | None = None

    @property
    def down(self) -> bool:
        return self._started is not None

    def failed(self, exc: BaseException, probe: Callable[[], Awaitable[object]] | None) -> None:
        self._last_failure = time.monotonic()
        self.refused += 1
        if self._started is not None:
            return
        self._started = self._last_failure
        self.refused = 1
        log.warning(
            f"{self.dependency} unavailable; answering 503 until it recovers",
            extra={"dependency": self.dependency, "error": repr(exc)},
        )
        self._watcher = asyncio.get_running_loop().create_task(self._until_recovered(probe))

    async def _until_recovered(self, probe: Callable[[], Awaitable[object]] | None) -> None:
        while True:
            await asyncio.sleep(self.quiet_seconds)
            if time.monotonic() - self._last_failure < self.quiet_seconds:
                continue
            if probe is None or await _answers(probe):
                break
        assert self._started is not None
        log.info(
            f"{self.dependency} recovered",
            extra={
                "dependency": self.dependency,
                "outage_seconds": round(self._last_failure - self._started, 3),
                "refused_requests": self.refused,
            },
        )
        self._started = None


async def _answers(probe: Callable[[], Awaitable[object]]) -> bool:
    try:
        await probe()
    except Exception as exc:  # still down: the probe only tells when the outage is over
        log.debug("still unavailable", extra={"error": repr(exc)})
        return False
    return True


def dependency_unavailable(
    kind: ErrorCode, outage: Outage, probe: Probe | None = None
) -> ErrorHandler:
    """An error-table handler: ``kind`` (a 503) with Retry-After, logged once per outage."""

    def unavailable(request: web.Request, exc: BaseException) -> ApiError:
        outage.failed(exc, None if probe is None else lambda: probe(request))
        return ApiError(kind, headers={"Retry-After": str(outage.retry_after_seconds)})

    return unavailable


class _PoolRetries(logging.Filter):
    """asyncpg's pool logs each failed attempt to restore its minimum size as a warning with a
    stack trace (1, 2, 4 ... 60 s apart) for as long as PostgreSQL is down. The outage already
    has its one warning (here or from the loop's supervision): these become debug lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Failed to restore the pool connection floor"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = record.exc_text = None
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_pool_retries() -> None:
    """Installs the filter on asyncpg's pool logger (idempotent)."""
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, _PoolRetries) for f in pool_log.filters):
        pool_log.addFilter(_PoolRetries())


def _connection_closed(exc: asyncpg.InterfaceError) -> bool:
    # asyncpg raises InterfaceError for misuse too (a bug, worth a stack trace); only the
    # "connection is closed" kind is an outage.
    return "closed" in str(exc)


def postgres_unavailable(
    kind: ErrorCode, outage: Outage, probe: Probe | None, *, internal: ErrorCode
) -> dict[type[BaseException], ErrorHandler]:
    """Error-table entries for every way asyncpg reports that PostgreSQL is not there: refused
    or lost connections, the server starting up or shutting down, too many connections, a
    connection that could not be acquired in time."""
    unavailable = dependency_unavailable(kind, outage, probe)

    def interface_error(request: web.Request, exc: asyncpg.InterfaceError) -> ApiError:
        if _connection_closed(exc):
            return unavailable(request, exc)
        log.error("unhandled error", exc_info=exc)
        return ApiError(internal)

    return {
        asyncpg.PostgresConnectionError: unavailable,  # ConnectionDoesNotExistError, ...
        asyncpg.CannotConnectNowError: unavailable,
        asyncpg.OperatorInterventionError: unavailable,  # admin/crash shutdown, query canceled
        asyncpg.TooManyConnectionsError: unavailable,
        asyncpg.InterfaceError: interface_error,
        # "cannot switch to state …; another operation is in progress": a connection whose
        # protocol state a lost server left half-way (seen during an immediate PostgreSQL stop).
        asyncpg.InternalClientError: unavailable,
        OSError: unavailable,  # ConnectionRefusedError, ConnectionResetError, ...
        TimeoutError: unavailable,  # acquiring a pooled connection, connecting
    }
