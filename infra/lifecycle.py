"""Running a process until SIGTERM/SIGINT, then shutting down gracefully.

Order on SIGTERM: readiness turns NOT_READY at once (Kubernetes stops routing new requests), the
HTTP sites keep serving for ``drain_seconds`` (requests that were already on their way, routed
before the endpoint was removed, must not be reset by a closing listener) and from then on every
response carries ``Connection: close`` and ends its connection, so keep-alive clients move away
after a complete answer; then the sites stop accepting (``ServiceSite.stop_accepting``: what the
kernel already queued is accepted and served too), wait for in-flight requests and close the
connections left idle (a clean FIN, no reset); background loops (relay, projector) get their stop
event and finish the batch in hand (the relay flushes Kafka and saves its checkpoint, the
projector commits its transaction and offsets), then resources close. All within
``VAULT_SHUTDOWN_GRACE_SECONDS`` after the drain, below the pod's terminationGracePeriodSeconds
(docs/crash-safety.md, "Graceful shutdown").
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import signal
import socket
import struct
import termios
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from infra.http_server import ServerRunner
from infra.outages import quiet_pool_retries
from infra.probes import Readiness, ops_app
from infra.supervision import keep_running

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]
# How long stopping waits for bytes already received on open connections to be read, so that a
# request that arrived is answered rather than dropped with its idle-looking connection.
READ_ARRIVED_SECONDS = 1.0


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


def _unread_bytes(transport: asyncio.BaseTransport | None) -> int:
    """Bytes the kernel received on a connection that the process has not read yet."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.fileno() < 0:
        return 0
    try:
        queued = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return 0
    count: int = struct.unpack("i", queued)[0]
    return count


class ServiceSite:
    """A service port: the app served on a listening socket opened here rather than by aiohttp,
    so that stopping can take what the kernel already queued on it. The kernel completes
    handshakes (and receives the request bytes that follow) before the process accepts, and
    closing a listener resets every connection still in its accept queue, each of which may
    carry a request. Workers of one service share the port (SO_REUSEPORT, infra.workers): each
    worker's queue is its own, and a closed one is no longer given new connections."""

    def __init__(
        self, site: Site, readiness: Readiness, *, grace_seconds: float, reuse_port: bool = True
    ) -> None:
        site.app.on_response_prepare.append(_close_when_draining(readiness))
        self.runner = ServerRunner(site.app, shutdown_timeout=grace_seconds)
        family = socket.AF_INET6 if ":" in site.host else socket.AF_INET
        self._listener = socket.create_server(
            (site.host, site.port), family=family, reuse_port=reuse_port
        )
        self._site: web.SockSite | None = None

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    async def start(self) -> None:
        await self.runner.setup()
        self._site = web.SockSite(self.runner, self._listener)
        await self._site.start()

    async def stop_accepting(self) -> None:
        """Accepts every queued connection and closes the listener with no await in between (a
        connection queued in a gap would be reset); the taken connections are then served like
        the others, and bytes already received on any connection are read before the runner's
        cleanup closes the connections that look idle. What remains is a connection that completes
        its handshake in the microseconds between the last accept and the close, which a client
        routed by readiness does not open."""
        assert self._site is not None, "stop_accepting() before start()"
        queued = self._take_queued()
        await self._site.stop()  # closes the listener before its first await
        loop = asyncio.get_running_loop()
        server = self.runner.server
        assert server is not None
        for connection in queued:
            try:
                await loop.connect_accepted_socket(server, connection)
            except OSError:  # the client went away meanwhile; the shutdown goes on
                connection.close()
        # Polled: nothing signals that the kernel's receive queues were read.
        deadline = loop.time() + READ_ARRIVED_SECONDS
        while loop.time() < deadline:
            if not any(_unread_bytes(handler.transport) for handler in server.connections):
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0)  # a request just parsed starts its handler

    def _take_queued(self) -> list[socket.socket]:
        queued: list[socket.socket] = []
        while True:
            try:
                connection, _ = self._listener.accept()
            except BlockingIOError:
                return queued
            except ConnectionAbortedError:
                continue  # the client gave up before it was accepted
            except OSError:
                log.warning("could not accept a queued connection", exc_info=True)
                return queued
            queued.append(connection)


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

    # Service ports are shared by the workers of one service (infra.workers); the ops port is
    # each worker's own.
    services = [ServiceSite(s, readiness, grace_seconds=grace_seconds) for s in sites or []]
    for service, site in zip(services, sites or [], strict=True):
        await service.start()
        log.info("listening", extra={"host": site.host, "port": site.port, "component": name})
    ops: web.AppRunner = ServerRunner(ops_app(readiness), shutdown_timeout=grace_seconds)
    await ops.setup()
    await web.TCPSite(ops, metrics_host, metrics_port).start()
    log.info("listening", extra={"host": metrics_host, "port": metrics_port, "component": name})
    # The ops runner goes last so /metrics and /readyz answer until the end.
    runners = [*(service.runner for service in services), ops]

    # A loop that fails is restarted by its supervision: the process outlives its dependencies'
    # outages (the loop's own health check keeps /readyz NOT_READY meanwhile).
    tasks = [
        asyncio.ensure_future(keep_running(f"{name} loop", body, stop)) for body in (loops or [])
    ]
    await stop.wait()
    log.info("shutting down", extra={"component": name})
    readiness.shutting_down = True
    if services:
        await asyncio.sleep(drain_seconds)
    stop.set()
    try:
        async with asyncio.timeout(grace_seconds):
            for service in services:
                await service.stop_accepting()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
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
