"""The token service's error vocabulary (Paysafe shape, rendered by ``infra.errors``) and the
table that maps its exceptions to answers. Messages name fields, never echo values."""

from __future__ import annotations

import logging

from aiohttp import web

from infra.errors import ApiError, ErrorCode, ErrorTable, FieldError, framework_errors

__all__ = ["ApiError", "ErrorCode", "FieldError"]

log = logging.getLogger("service.tokens.http")

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
    "The credentials provided with the request do not have permission to access the requested data.",
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
    "The request uses an action (e.g., GET, POST, or PUT) that is not supported by the resource.",
)
INTERNAL = ErrorCode("1000", 500, "An internal error occurred.")
CARD_TOKEN_INVALID = ErrorCode(
    "5500",
    404,
    "Either the payment token is invalid or the corresponding profile or credit card is not active.",
)
BANK_TOKEN_INVALID = ErrorCode(
    "5502",
    404,
    "Either the payment token is invalid or the corresponding profile or bank account is not "
    "active.",
)
BANK_PREFIXES = ("D", "M")


def invalid(field_errors: list[FieldError]) -> ApiError:
    return ApiError(INVALID_FIELDS, field_errors=field_errors)


class TokenNotFound(Exception):
    """Unknown, deleted, inactive, expired, consumed or another merchant's token, or a merchant
    the client is not bound to: one answer."""

    def __init__(self, token: str) -> None:
        super().__init__("token not usable")
        self.token = token


class InvalidInstrument(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


class RecordUnreadable(Exception):
    """A record failed to decrypt (tampered or misplaced): reported, never answered with data."""


def _not_found(_: web.Request, exc: TokenNotFound) -> ApiError:
    bank = exc.token.startswith(BANK_PREFIXES)
    return ApiError(BANK_TOKEN_INVALID if bank else CARD_TOKEN_INVALID)


ERRORS: ErrorTable = {
    TokenNotFound: _not_found,
    InvalidInstrument: lambda _, e: invalid(e.errors),
    RecordUnreadable: lambda _, e: ApiError(INTERNAL),
    # msgspec raises UnicodeDecodeError for invalid UTF-8 inside a JSON string.
    UnicodeDecodeError: lambda _, e: ApiError(NOT_PARSEABLE),
    **framework_errors(
        unknown_url=UNKNOWN_URL, wrong_method=WRONG_METHOD, too_large=TOO_LARGE, internal=INTERNAL
    ),
}
"""Exception → answer, looked up along the exception's MRO (``infra.errors``)."""
