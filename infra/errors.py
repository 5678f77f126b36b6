"""Paysafe-shaped JSON errors, and the middleware that maps exceptions to them through a table.

Both HTTP services answer every failure with ``{"error": {"code", "message", ...}}`` and the code in
``X-Application-Status-Code``; each keeps its own vocabulary of codes (``service/api/errors.py``,
``service/tokens/errors.py``). What they share is the shape and the mapping mechanism: one table per
app, exception class → handler, looked up along the raised exception's MRO so that a subclass is
answered like its parent unless it has an entry of its own (aiohttp's ``HTTPNotFound`` before
``HTTPException``, a specific refusal before a generic one).

Messages never echo request values: a card number or IBAN sent in the wrong field must not come
back in an error (or reach a log line through one). Only ids the service issued are quoted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.typedefs import Middleware

ERROR_INFO = (
    "https://developer.paysafe.com/en/rest-api/vault/test-and-go-live/vault-errors/#ErrorCode"
)


@dataclass(frozen=True)
class ErrorCode:
    code: str
    http_status: int
    message: str


class GeneralCodes:
    """Paysafe's general codes, the same in both services. Each service's vocabulary subclasses this
    and adds its own codes (``service/api/errors.py``, ``service/tokens/errors.py``), so a service
    names every code it answers with through one namespace."""

    INVALID_FIELDS = ErrorCode(
        "5068",
        400,
        "Either you submitted a request that is missing a mandatory field or the value of a field "
        "does not match the format expected.",
    )
    NOT_PARSEABLE = ErrorCode("5023", 400, "The request is not parseable.")
    TOO_LARGE = ErrorCode("5023", 413, "The request is not parseable: the body is too large.")
    NO_PERMISSION = ErrorCode(
        "5270",
        403,
        "The credentials provided with the request do not have permission to access the "
        "requested data.",
    )
    UNKNOWN_URL = ErrorCode(
        "5273",
        404,
        "Your client reached our application but we were unable to service your request due to an "
        "invalid URL.",
    )
    INVALID_CREDENTIALS = ErrorCode("5279", 401, "The authentication credentials are invalid.")
    MISSING_CREDENTIALS = ErrorCode(
        "5280", 401, "The required authentication credentials were not provided."
    )
    WRONG_METHOD = ErrorCode(
        "5281",
        405,
        "The request uses an action (e.g., GET, POST, or PUT) that is not supported by the "
        "resource.",
    )
    INTERNAL = ErrorCode("1000", 500, "An internal error occurred.")


class FieldError(msgspec.Struct, frozen=True):
    field: str
    error: str


@dataclass
class ApiError(Exception):
    """An answer that is an error: raised anywhere below a handler, rendered by the middleware."""

    kind: ErrorCode
    detail: str | None = None
    field_errors: list[FieldError] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        message = self.kind.message if self.detail is None else f"{self.kind.message}{self.detail}"
        error: dict[str, Any] = {"code": self.kind.code, "message": message}
        if self.field_errors:
            error["fieldErrors"] = [{"field": f.field, "error": f.error} for f in self.field_errors]
        error["links"] = [{"rel": "errorinfo", "href": f"{ERROR_INFO}{self.kind.code}"}]
        body: dict[str, Any] = {"error": error}
        if self.links:
            body["links"] = self.links
        return body

    def response(self) -> web.Response:
        return web.Response(
            status=self.kind.http_status,
            body=msgspec.json.encode(self.body()),
            content_type="application/json",
            headers={"X-Application-Status-Code": self.kind.code, **self.headers},
        )


ErrorHandler = Callable[[web.Request, Any], ApiError]
"""Turns one kind of exception (its table key or a subclass) into the error to answer with."""
ErrorTable = Mapping[type[BaseException], ErrorHandler]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def handler_for(table: ErrorTable, exc: BaseException) -> ErrorHandler | None:
    """The entry of the nearest class in ``exc``'s MRO, or None."""
    for cls in type(exc).__mro__:
        found = table.get(cls)
        if found is not None:
            return found
    return None


Answer = Callable[[web.Request, Exception], web.Response]


def error_answers(
    table: ErrorTable, *, log: logging.Logger, internal: ErrorCode = GeneralCodes.INTERNAL
) -> Answer:
    """The answer to an exception: ``ApiError`` as it is, others through ``table``, anything
    unknown as ``internal`` (logged once with its stack trace; the client sees none)."""

    def answer(request: web.Request, exc: Exception) -> web.Response:
        if isinstance(exc, ApiError):
            return exc.response()
        mapped = handler_for(table, exc)
        if mapped is None:
            log.error("unhandled error", exc_info=exc)
            return ApiError(internal).response()
        return mapped(request, exc).response()

    return answer


def error_middleware(
    table: ErrorTable, *, log: logging.Logger, internal: ErrorCode = GeneralCodes.INTERNAL
) -> Middleware:
    """Middleware answering every exception with a JSON error (``error_answers``)."""
    answer = error_answers(table, internal=internal, log=log)

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except Exception as exc:
            return answer(request, exc)

    return errors


def framework_errors() -> dict[type[BaseException], ErrorHandler]:
    """The entries every app needs for aiohttp's own answers (404, 405, 413, any other status)."""
    codes = GeneralCodes

    def method_not_allowed(_: web.Request, exc: web.HTTPMethodNotAllowed) -> ApiError:
        return ApiError(
            codes.WRONG_METHOD, headers={"Allow": ",".join(sorted(exc.allowed_methods))}
        )

    def other(_: web.Request, exc: web.HTTPException) -> ApiError:
        # Any other framework answer keeps its status but gets a JSON body.
        return ApiError(ErrorCode(codes.INTERNAL.code, exc.status, exc.reason))

    return {
        web.HTTPNotFound: lambda _r, _e: ApiError(codes.UNKNOWN_URL),
        web.HTTPMethodNotAllowed: method_not_allowed,
        web.HTTPRequestEntityTooLarge: lambda _r, _e: ApiError(codes.TOO_LARGE),
        web.HTTPException: other,
    }
