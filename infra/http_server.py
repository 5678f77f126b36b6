"""The HTTP server both services (and their ops ports) run on: aiohttp's, hardened at the edges.

aiohttp answers what it cannot parse itself (over-long lines, too many headers, conflicting
Content-Length, unknown methods, control characters) with a text/plain 400 that repeats the offending
request bytes, and logs the same bytes at ERROR: an ``Authorization`` line with a control character
came back, credentials included. ``ServerRunner`` swaps in a request handler whose errors are
Paysafe-shaped JSON without any request bytes, logged at WARNING by error class only. It also:

* closes idle connections and connections whose headers do not arrive within ``idle_timeout_seconds``
  (aiohttp's keep-alive timer runs from the connection's start and after every response, and only
  fires while no complete request is waiting), and bodies not received within ``body_timeout_seconds``
  (408, the body is read before the application sees the request: bodies are small, 64 KiB);
* refuses connections beyond ``max_connections`` with a JSON 503;
* sends ``X-Content-Type-Options: nosniff`` and a ``Server`` header without versions on every answer;
* half-closes and drains after an error instead of closing on unread bytes (which makes the kernel
  send a reset that can destroy the answer: a 1 MB URL used to get a reset).

Limits come from the environment (``HttpEdgeSettings``, docs/configuration.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from infra.errors import ApiError, ErrorCode, GeneralCodes
from infra.transport_settings import HttpEdgeSettings

log = logging.getLogger("service.http.server")

BODY_TIMEOUT = ErrorCode("5023", 408, "The request body was not received in time.")
OVERLOADED = ErrorCode("1000", 503, "The service is temporarily unavailable; retry the request.")
SERVER_NAME = "customer-vault"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Server": SERVER_NAME}
_DRAIN_SECONDS = 1.0

Handler = Callable[[BaseRequest], Awaitable[web.StreamResponse]]


def metrics_host(environ: Mapping[str, str] | None = None) -> str:
    """Where the ops port (/metrics, /healthz, /readyz: no authentication) listens:
    ``VAULT_METRICS_HOST``, loopback unless the deployment opens it (Kubernetes sets 0.0.0.0 so the
    kubelet and Prometheus reach the pod IP; a NetworkPolicy admits only the monitoring namespace)."""
    return HttpEdgeSettings.from_env(environ).metrics_host


def _answer(kind: ErrorCode) -> web.Response:
    response = ApiError(kind, headers=SECURITY_HEADERS).response()
    response.force_close()
    return response


class _DrainingResponse(web.Response):
    """An error answer after which the connection is half-closed and what the client still sends is
    read and dropped (for ``_DRAIN_SECONDS`` at most), so the answer is not lost to a reset."""

    def __init__(self, kind: ErrorCode, protocol: GuardedRequestHandler) -> None:
        body = msgspec.json.encode(ApiError(kind).body())
        headers = {"X-Application-Status-Code": kind.code, **SECURITY_HEADERS}
        super().__init__(
            status=kind.http_status, body=body, content_type="application/json", headers=headers
        )
        self.force_close()
        self._protocol = protocol

    async def write_eof(self, data: bytes = b"") -> None:
        await super().write_eof(data)
        await self._protocol.drain_and_close()


class GuardedRequestHandler(RequestHandler):
    def __init__(self, manager: GuardedServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._max_connections = manager.limits.max_connections
        self._peer_done = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        manager = self._manager
        if manager is not None and len(manager.connections) > self._max_connections:
            log.warning("connection refused: too many connections")
            response = ApiError(OVERLOADED).body()
            body = msgspec.json.encode(response)
            head = (
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                f"X-Application-Status-Code: {OVERLOADED.code}\r\nServer: {SERVER_NAME}\r\n"
                f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            self.close()
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(head.encode() + body)
            transport.close()

    def eof_received(self) -> None:
        self._peer_done.set()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._peer_done.set()
        super().connection_lost(exc)

    async def drain_and_close(self) -> None:
        self.close()  # stops parsing: whatever arrives now is dropped
        transport = self.transport
        if transport is not None and transport.can_write_eof():
            transport.write_eof()
            try:
                async with asyncio.timeout(_DRAIN_SECONDS):
                    await self._peer_done.wait()
            except TimeoutError:
                pass
        self.force_close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # aiohttp's own version logs the request line and answers with it; neither happens here.
        if request.writer.output_size > 0:
            raise ConnectionError("an answer was already started")
        if status >= 500:
            log.error("request failed", exc_info=exc)
            internal = GeneralCodes.INTERNAL
            kind = internal if status == 500 else ErrorCode(internal.code, status, internal.message)
        else:
            log.warning(
                "unparseable request",
                extra={"error": type(exc).__name__ if exc else "unknown", "status": status},
            )
            kind = GeneralCodes.NOT_PARSEABLE
        self.close()
        return _DrainingResponse(kind, self)


class GuardedServer(web.Server):
    def __init__(self, handler: Handler, *, limits: HttpEdgeSettings, **kwargs: Any) -> None:
        super().__init__(self._read_body_first, **kwargs)
        self.limits = limits
        self._application = handler

    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, loop=self._loop, **self._kwargs)

    async def _read_body_first(self, request: BaseRequest) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(self.limits.body_timeout_seconds):
                    await request.read()  # kept by the request: handlers read it again for free
            except TimeoutError:
                log.warning("request body not received in time")
                protocol = request.protocol
                assert isinstance(protocol, GuardedRequestHandler)
                return _DrainingResponse(BODY_TIMEOUT, protocol)
            except web.HTTPRequestEntityTooLarge:
                return _answer(GeneralCodes.TOO_LARGE)
        return await self._application(request)


async def _security_headers(_: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


class ServerRunner(web.AppRunner):
    """``web.AppRunner`` with the guarded server. Use it wherever an app is served."""

    def __init__(
        self, app: web.Application, *, limits: HttpEdgeSettings | None = None, **kwargs: Any
    ) -> None:
        self.limits = limits or HttpEdgeSettings.from_env()
        kwargs.setdefault("access_log", None)
        super().__init__(
            app,
            keepalive_timeout=self.limits.idle_timeout_seconds,
            lingering_time=min(2.0, self.limits.body_timeout_seconds),
            **kwargs,
        )
        app.on_response_prepare.append(_security_headers)

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()
        return GuardedServer(
            plain.request_handler,
            limits=self.limits,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            **plain._kwargs,
        )
