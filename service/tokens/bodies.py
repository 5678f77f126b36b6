"""Request and response bodies of the token service: JSON decoded into the contract's structs,
with Paysafe-style errors that name the bad field but never quote its value."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from service.tokens import contract
from service.tokens import errors as e
from service.tokens.errors import ApiError, FieldError

T = TypeVar("T")


def field_error(exc: msgspec.ValidationError) -> FieldError:
    # msgspec's message may quote the value: only the path is kept, with our own wording.
    path = str(exc).rpartition(" - at `$")[2].rstrip("`").lstrip(".")
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    if not top:
        return FieldError("body", "must be a JSON object with the documented fields")
    return FieldError(path, contract.FIELD_MESSAGES.get(top, "is invalid"))


async def raw_body(request: web.Request) -> Any:
    try:
        return msgspec.json.decode(await request.read())
    except UnicodeDecodeError:
        raise ApiError(e.Codes.NOT_PARSEABLE) from None
    except (msgspec.DecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        raise e.invalid([FieldError("body", "must be a JSON object")]) from None


async def typed_body(request: web.Request, struct: type[T]) -> T | None:
    """The body decoded straight into ``struct``, or None when it is not one: then the slower
    path (a dict first, then the struct) finds the field to name in the error and the values to
    audit. Most bodies are valid, and this is one pass instead of two. The whole body must be
    UTF-8 (a field the struct does not declare would be skipped unchecked)."""
    try:
        return msgspec.json.decode((await request.read()).decode(), type=struct)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


async def decoded_body(request: web.Request, struct: type[T]) -> T:
    body = await typed_body(request, struct)
    if body is not None:
        return body
    raw = await raw_body(request)
    if not isinstance(raw, dict):
        raise e.invalid([FieldError("body", "must be a JSON object")])
    try:
        return msgspec.convert(raw, struct)
    except msgspec.ValidationError as exc:
        raise e.invalid([field_error(exc)]) from None


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )
