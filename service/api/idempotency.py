"""``Idempotency-Key`` on the vault API's commands (docs/api.md, "Idempotent commands").

A POST, PUT or DELETE with the header claims the key for the merchant before anything happens (so
a replay tokenizes nothing), runs with a unit of work in which its save's transaction stays open,
and commits that transaction together with the response it rendered. A refusal (an exception or a
4xx/5xx answer) rolls back and frees the key: the client fixes the request and reuses it.
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from infra.errors import ErrorCode, FieldError
from service.api import errors
from service.api.errors import Codes, PaysafeError
from service.api.middleware import Handler, principal
from service.api.routing import V1
from service.application import idempotency
from service.application.idempotency import (
    MAX_KEY_LENGTH,
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
        raise PaysafeError(Codes.INTERNAL)
    headers = {h: response.headers[h] for h in _RECORDED_HEADERS if h in response.headers}
    try:
        await unit.commit(
            RecordedResponse(status=response.status, headers=headers, body=response.body)
        )
    except ClaimLost:
        raise PaysafeError(IN_FLIGHT, headers=_RETRY_AFTER) from None
    return response


_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Extension (not Paysafe): makes the command safe to retry. 1 to 255 printable "
    "ASCII characters, unique per merchant and request. The first request's answer is recorded "
    "with its effects and a retry of the same method, path and body gets it again (with "
    f"`{REPLAYED}: true`) and changes nothing; the same key on another request is 422 "
    f"`{KEY_REUSED.code}`, a retry while the first is in flight 409 `{IN_FLIGHT.code}`. Refused "
    "requests (4xx, 5xx) are not recorded. Kept `VAULT_IDEMPOTENCY_RETENTION` (7 days).",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
_REPLAYED_HEADER = {
    "description": "`true` when this is the recorded answer to an earlier request with the same "
    "`Idempotency-Key`.",
    "schema": {"type": "string", "const": "true"},
}


def _error_entry(like: dict[str, Any], kind: ErrorCode) -> dict[str, Any]:
    """A response for ``kind`` shaped like the error response ``like`` (headers, schema)."""
    entry = copy.deepcopy(like)
    entry["description"] = f"{kind.code}: {kind.message}"
    entry["headers"]["X-Application-Status-Code"]["schema"]["enum"] = [kind.code]
    entry["headers"].pop("WWW-Authenticate", None)
    content = entry["content"]["application/json"]
    content["examples"] = {kind.code: {"summary": kind.message, "value": _example(kind)}}
    return entry


def _example(kind: ErrorCode) -> dict[str, Any]:
    return PaysafeError(kind).body()


def document_idempotency(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the header, its errors and the replay marker on every command."""
    components = document["components"]
    components["parameters"][HEADER] = _PARAMETER
    components["headers"][REPLAYED] = _REPLAYED_HEADER
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method.upper() not in COMMAND_METHODS or not path.startswith(V1):
                continue
            operation["parameters"].append({"$ref": f"#/components/parameters/{HEADER}"})
            responses = operation["responses"]
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {})[REPLAYED] = {
                        "$ref": f"#/components/headers/{REPLAYED}"
                    }
            # A malformed key is 400 5068, a reused one 422, one in flight 409.
            for kind in (Codes.INVALID_FIELDS, KEY_REUSED, IN_FLIGHT):
                _add_error(responses, kind)
    return document


def _add_error(responses: dict[str, Any], kind: ErrorCode) -> None:
    status = str(kind.http_status)
    if status not in responses:
        responses[status] = _error_entry(responses["401"], kind)
        return
    response = responses[status]
    codes = response["headers"]["X-Application-Status-Code"]["schema"]["enum"]
    if kind.code in codes:
        return
    codes.append(kind.code)
    response["description"] += f" | {kind.code}: {kind.message}"
    examples = response["content"]["application/json"]["examples"]
    examples[kind.code] = {"summary": kind.message, "value": _example(kind)}
