"""``Idempotency-Key`` on the vault API's commands (docs/api.md, "Idempotent commands").

A POST, PUT or DELETE with the header claims the key for the merchant before anything happens (so
a replay tokenizes nothing), runs with a unit of work in which its save's transaction stays open,
and commits that transaction together with the response it rendered. A refusal (an exception or a
4xx/5xx answer) rolls back and frees the key: the client fixes the request and reuses it.
"""

from __future__ import annotations

from aiohttp import web

from infra.errors import ErrorCode, FieldError
from service.api import errors
from service.api.errors import PaysafeError
from service.api.middleware import Handler, principal
from service.application import idempotency
from service.application.idempotency import (
    Claim,
    ClaimLost,
    IdempotencyStore,
    KeyReused,
    RecordedResponse,
    RequestInFlight,
)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
IDEMPOTENCY = web.AppKey("idempotency", IdempotencyStore)
COMMAND_METHODS = frozenset({"POST", "PUT", "DELETE"})
# The headers a replay must give again besides the body; the rest is per response (request ids).
_RECORDED_HEADERS = ("Content-Type", "Location")

# Not Paysafe codes: extensions, documented in docs/api.md.
KEY_REUSED = ErrorCode(
    "7597",
    422,
    "The Idempotency-Key was already used for a different request (method, path or body); "
    "use a new key for a new request.",
)
IN_FLIGHT = ErrorCode(
    "7598",
    409,
    "A request with this Idempotency-Key is still being processed; retry the request later.",
)
_RETRY_AFTER = {"Retry-After": "1"}


@web.middleware
async def idempotent_commands(request: web.Request, handler: Handler) -> web.StreamResponse:
    key = request.headers.get(HEADER)
    if key is None or request.method not in COMMAND_METHODS:
        return await handler(request)
    if not idempotency.valid_key(key):
        raise errors.invalid([FieldError(HEADER, "must be 1 to 255 printable ASCII characters")])
    body = await request.read()  # aiohttp keeps it for the handler
    claim = Claim.new(
        principal(request).merchant_id,
        key,
        idempotency.fingerprint(request.method, request.raw_path, body),
    )
    store = request.app[IDEMPOTENCY]
    try:
        recorded = await store.claim(claim)
    except KeyReused:
        raise PaysafeError(KEY_REUSED) from None
    except RequestInFlight:
        raise PaysafeError(IN_FLIGHT, headers=_RETRY_AFTER) from None
    if recorded is not None:
        return web.Response(
            status=recorded.status,
            body=recorded.body,
            headers={**recorded.headers, REPLAYED: "true"},
        )
    return await _first_time(request, handler, store.unit_of_work(claim))


async def _first_time(
    request: web.Request, handler: Handler, unit: idempotency.UnitOfWork
) -> web.StreamResponse:
    context = idempotency.CURRENT.set(unit)
    try:
        response = await handler(request)
    except BaseException:
        await unit.abandon()
        raise
    finally:
        idempotency.CURRENT.reset(context)
    if response.status >= 400:
        await unit.abandon()
        return response
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        # Nothing streams from a command handler; an answer we could not give again is refused.
        await unit.abandon()
        raise PaysafeError(errors.INTERNAL)
    headers = {h: response.headers[h] for h in _RECORDED_HEADERS if h in response.headers}
    try:
        await unit.commit(
            RecordedResponse(status=response.status, headers=headers, body=response.body)
        )
    except ClaimLost:
        raise PaysafeError(IN_FLIGHT, headers=_RETRY_AFTER) from None
    return response
