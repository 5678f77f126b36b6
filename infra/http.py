"""The request-context middleware both HTTP apps use: request id, access log line, latency metric."""

from __future__ import annotations

import base64
import binascii
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from infra import metrics
from infra.logs import request_id

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_DIGIT_RUN = re.compile(r"[0-9]{8,}")

log = logging.getLogger("service.http")


def route_of(request: web.Request) -> str:
    """The matched route's template (bounded label cardinality), never the concrete path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


Answer = Callable[[web.Request, Exception], web.StreamResponse]
_LATENCY: dict[tuple[str, str, str, str], Any] = {}  # the histogram's children, looked up once
_MAX_CHILDREN = 10_000  # methods are the client's to choose: past this, look up every time


def _latency(app_name: str, method: str, route: str, status: int) -> Any:
    key = (app_name, method, route, str(status))
    child = _LATENCY.get(key)
    if child is None:
        child = metrics.HTTP_REQUEST_SECONDS.labels(*key)
        if len(_LATENCY) < _MAX_CHILDREN:
            _LATENCY[key] = child
    return child


def request_context(
    app_name: str,
    headers: Callable[[str], Mapping[str, str]],
    answer_errors: Answer | None = None,
) -> Middleware:
    """Middleware: take a well-formed X-Request-Id or make one, put it in the log context and on
    the answer (with ``headers(request_id)``), log one JSON line and observe latency per route.
    With ``answer_errors`` (``infra.errors.error_answers``) it also turns exceptions into answers,
    in the same frame: one middleware fewer for every request to wind through."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        supplied = request.headers.get("X-Request-Id", "")
        # The id goes into logs and event metadata: a long digit run (a card number pasted into
        # the header) is not taken.
        usable = supplied and _REQUEST_ID.fullmatch(supplied) and not _DIGIT_RUN.search(supplied)
        rid = supplied if usable else str(uuid.uuid4())
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            try:
                response = await handler(request)
            except Exception as exc:
                if answer_errors is None:
                    raise
                response = answer_errors(request, exc)
            status = response.status
            response.headers["X-Request-Id"] = rid
            response.headers.update(headers(rid))
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(request)
            _latency(app_name, request.method, route, status).observe(elapsed)
            log.info(
                "request",
                extra={
                    "app": app_name,
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            request_id.reset(token)

    return middleware


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic Authorization header; None when there is none (5280),
    ("", "") when it is not decodable or there are several (treated as wrong credentials, 5279):
    which of two headers counts differs between proxies and servers, so neither does."""
    headers = request.headers.getall("Authorization", [])
    if len(headers) > 1:
        return ("", "")
    scheme, _, encoded = (headers[0] if headers else "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    user, _, password = decoded.partition(":")
    return user, password
