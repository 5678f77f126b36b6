"""Running a process until SIGTERM/SIGINT, then shutting down gracefully.

Order on SIGTERM: readiness turns NOT_READY at once (Kubernetes stops routing new requests), the
HTTP sites keep serving for ``drain_seconds`` (requests that were already on their way, routed
before the endpoint was removed, must not be reset by a closing listener) and from then on every
response carries ``Connection: close`` and ends its connection, so keep-alive clients move away
after a complete answer; then the sites stop accepting, wait for in-flight requests and close the
connections left idle (a clean FIN, no reset); background loops (relay, projector) get their stop
event and finish the batch in hand (the relay flushes Kafka and saves its checkpoint, the
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

from infra.http_server import ServerRunner
from infra.outages import quiet_pool_retries
from infra.probes import Readiness, ops_app
from infra.supervision import keep_running

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]


@dataclass(frozen=True)
class Site:
    app: web.Application
    host: str
    port: int


def _close_when_draining(
    readiness: Readiness,
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """Once readiness is false, every response says ``Connection: close`` and its connection is
    closed after it: a keep-alive client learns it must reconnect (elsewhere) from a complete
    response, instead of finding its idle connection cut by the listener closing."""

    async def close_after_response(_: web.Request, response: web.StreamResponse) -> None:
        if readiness.shutting_down:
            response.force_close()
            # aiohttp computes the header before this hook: say it, too.
            response.headers["Connection"] = "close"

    return close_after_response


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
    quiet_pool_retries()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    for site in sites or []:
        site.app.on_response_prepare.append(_close_when_draining(readiness))
    runners: list[web.AppRunner] = []
    all_sites = [*(sites or []), Site(ops_app(readiness), metrics_host, metrics_port)]
    for site in all_sites:
        runner: web.AppRunner = ServerRunner(site.app, shutdown_timeout=grace_seconds)
        await runner.setup()
        # Service ports are shared by the workers of one service (infra.workers); the ops port is
        # each worker's own.
        reuse = site in (sites or [])
        await web.TCPSite(runner, site.host, site.port, reuse_port=reuse).start()
        runners.append(runner)
        log.info("listening", extra={"host": site.host, "port": site.port, "component": name})

    # A loop that fails is restarted by its supervision: the process outlives its dependencies'
    # outages (the loop's own health check keeps /readyz NOT_READY meanwhile).
    tasks = [
        asyncio.ensure_future(keep_running(f"{name} loop", body, stop)) for body in (loops or [])
    ]
    await stop.wait()
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
    log.info("stopped", extra={"component": name})
