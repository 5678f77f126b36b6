"""Keeping a background loop (relay, projector, audit publisher) alive: bounded backoff, stoppable
sleeps, and a health flag the readiness probe reads while the loop is retrying."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

# A dependency going away, not a bug: a lost or refused connection, the server shutting down or
# refusing (any PostgreSQL error: a standby, an idle-in-transaction kill), Kafka unreachable.
DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    KafkaError,
)


class LoopHealth:
    """Whether a supervised loop is doing its work: down from a failure until the loop reports
    progress again, so /readyz says NOT_READY for exactly as long as the loop is retrying."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.error: str | None = "starting"
        self._outage = False

    def ok(self) -> None:
        if self._outage:
            log.info(f"{self.name} recovered")
            self._outage = False
        self.error = None

    def failed(self, exc: BaseException) -> bool:
        """Records the failure; True when it starts an outage (the one failure worth a warning)."""
        self.error = type(exc).__name__
        starts = not self._outage
        self._outage = True
        return starts

    async def check(self) -> None:
        """A readiness check (``infra.probes``): raises while the loop is down."""
        if self.error is not None:
            raise RuntimeError(self.error)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, returning at once when ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _nothing() -> None:
    return None


async def keep_running(
    name: str,
    lead: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    on_failure: Callable[[], None] = _nothing,
    on_exit: Callable[[], None] = _nothing,
    health: LoopHealth | None = None,
) -> None:
    """Run ``lead(stop)`` until ``stop`` is set, restarting it after a failure with a backoff
    doubling from 0.2 s to 5 s. A dependency outage is expected (failover, a restart, a standby
    taking the lock): one warning when it starts, one line when ``health.ok()`` sees it end.
    Anything else also calls ``on_failure`` (a metric) and is logged with its stack trace."""
    health = health or LoopHealth(name)
    backoff = 0.2
    while not stop.is_set():
        try:
            await lead(stop)
            backoff = 0.2
        except DEPENDENCY_ERRORS as exc:
            if health.failed(exc):
                log.warning(f"{name} lost a dependency, retrying", extra={"error": repr(exc)})
        except Exception as exc:
            health.failed(exc)
            on_failure()
            log.exception(f"{name} failed, retrying")
        on_exit()
        if not stop.is_set():
            await sleep_or_stop(stop, backoff)
            backoff = min(backoff * 2, 5.0)
