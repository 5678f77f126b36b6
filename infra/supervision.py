"""Keeping a background loop (relay, audit publisher) alive: bounded backoff, stoppable sleeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, returning at once when ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def keep_running(
    name: str,
    lead: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    on_failure: Callable[[], None],
    on_exit: Callable[[], None],
) -> None:
    """Run ``lead(stop)`` until ``stop`` is set, restarting it after a failure with a backoff
    doubling from 0.2 s to 5 s. A lost database connection is expected (failover, a standby
    taking the lock) and only logged; anything else also calls ``on_failure`` (a metric)."""
    backoff = 0.2
    while not stop.is_set():
        try:
            await lead(stop)
            backoff = 0.2
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning(f"{name} connection lost, retrying", extra={"error": repr(exc)})
        except Exception:
            on_failure()
            log.exception(f"{name} failed, retrying")
        on_exit()
        if not stop.is_set():
            await sleep_or_stop(stop, backoff)
            backoff = min(backoff * 2, 5.0)
