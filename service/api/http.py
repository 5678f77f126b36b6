"""Small request and response helpers shared by the resource handlers."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from aiohttp import web

from service.api import errors
from service.api.errors import Codes, PaysafeError

_JSON_TYPES = ("application/json", "text/json", "application/octet-stream", "text/plain", "")
_encode = msgspec.json.encode


async def read_json(request: web.Request) -> Any:
    """The body as JSON; malformed JSON is 5023, an unusable Content-Type 5272."""
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in _JSON_TYPES and not content_type.endswith("+json"):
        raise PaysafeError(Codes.UNSUPPORTED_CONTENT_TYPE)
    body = await request.read()
    if not body.strip():
        return {}
    try:
        return msgspec.json.decode(body)
    # RecursionError: absurdly deep nesting; UnicodeDecodeError: invalid UTF-8 inside a string.
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        raise PaysafeError(Codes.NOT_PARSEABLE) from None


def query_value(request: web.Request, name: str) -> str:
    """A query parameter, refused (5068) when it holds a NUL, which PostgreSQL text cannot."""
    value = request.query.get(name, "")
    if "\x00" in value:
        raise errors.invalid([errors.FieldError(name, "must not contain NUL characters")])
    return value


def path_id(request: web.Request, name: str) -> uuid.UUID:
    """A resource id from the URL. Anything that is not one of our UUIDs is an unknown id, and is not
    quoted back: a client that put a card number in the URL must not see it echoed."""
    raw = request.match_info[name]
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise errors.unknown_id("unknown") from None


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=_encode(body), content_type="application/json", headers=headers
    )


def empty_ok() -> web.Response:
    """Paysafe answers DELETE with 200, Content-Length 0 and no body (SDKs depend on it)."""
    return web.Response(status=200, body=b"")


def requested_fields(request: web.Request) -> frozenset[str]:
    """``fields=addresses,cards`` (raw or %2C-encoded, possibly empty) as a set of lower-case names."""
    raw = ",".join(request.query.getall("fields", []))
    return frozenset(part.strip().lower() for part in raw.split(",") if part.strip())
