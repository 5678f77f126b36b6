"""Running a process until SIGTERM/SIGINT, then shutting down gracefully.

Order on SIGTERM: readiness turns NOT_READY at once (Kubernetes stops routing new requests), the
HTTP sites keep serving for ``drain_seconds`` (requests that were already on their way, routed
before the endpoint was removed, must not be reset by a closing listener), then stop accepting and
wait for in-flight requests, background loops (relay, projector) get
their stop event and finish the batch in hand (the relay flushes Kafka and saves its checkpoint, the
projector commits its transaction and offsets), then resources close. All within
``VAULT_SHUTDOWN_GRACE_SECONDS``, below the pod's terminationGracePeriodSeconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from infra.probes import Readiness, ops_app

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]


@dataclass(frozen=True)
class Site:
    app: web.Application
    host: str
    port: int


async def run_process(
    name: str,
    readiness: Readiness,
    *,
    metrics_host: str,
    metrics_port: int,
    sites: list[Site] | None = None,
    loops: list[Loop] | None = None,
    grace_seconds: float = 20.0,
    drain_seconds: float = 1.0,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    runners: list[web.AppRunner] = []
    all_sites = [*(sites or []), Site(ops_app(readiness), metrics_host, metrics_port)]
    for site in all_sites:
        runner = web.AppRunner(site.app, shutdown_timeout=grace_seconds, access_log=None)
        await runner.setup()
        # Service ports are shared by the workers of one service (infra.workers); the ops port is
        # each worker's own.
        reuse = site in (sites or [])
        await web.TCPSite(runner, site.host, site.port, reuse_port=reuse).start()
        runners.append(runner)
        log.info("listening", extra={"host": site.host, "port": site.port, "component": name})

    tasks = [asyncio.ensure_future(body(stop)) for body in (loops or [])]
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not waiter and task.exception() is not None:
            log.error("background loop died", exc_info=task.exception())
    log.info("shutting down", extra={"component": name})
    readiness.shutting_down = True
    if sites:
        await asyncio.sleep(drain_seconds)
    stop.set()
    try:
        async with asyncio.timeout(grace_seconds):
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            # The ops site goes last so /metrics and /readyz answer until the end.
            for runner in runners:
                await runner.cleanup()
    except TimeoutError:
        log.error("graceful shutdown exceeded the grace period", extra={"component": name})
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            for runner in runners:
                await runner.cleanup()
    waiter.cancel()
    log.info("stopped", extra={"component": name})
