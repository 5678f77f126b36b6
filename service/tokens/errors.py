"""The token service's error vocabulary (Paysafe shape, rendered by ``infra.errors``) and the
table that maps its exceptions to answers. Messages name fields, never echo values."""

from __future__ import annotations

import logging

from aiohttp import web

from infra.errors import (
    INTERNAL,
    INVALID_CREDENTIALS,
    INVALID_FIELDS,
    MISSING_CREDENTIALS,
    NO_PERMISSION,
    NOT_PARSEABLE,
    TOO_LARGE,
    UNKNOWN_URL,
    WRONG_METHOD,
    ApiError,
    ErrorCode,
    ErrorTable,
    FieldError,
    framework_errors,
)

__all__ = [
    "INTERNAL",
    "INVALID_CREDENTIALS",
    "INVALID_FIELDS",
    "MISSING_CREDENTIALS",
    "NOT_PARSEABLE",
    "NO_PERMISSION",
    "TOO_LARGE",
    "UNKNOWN_URL",
    "WRONG_METHOD",
    "ApiError",
    "ErrorCode",
    "FieldError",
]

log = logging.getLogger("service.tokens.http")

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
