"""The token service's error vocabulary (Paysafe shape, rendered by ``infra.errors``) and the
table that maps its exceptions to answers. Messages name fields, never echo values."""

from __future__ import annotations

import logging

from aiohttp import web

from infra.errors import ApiError, ErrorCode, ErrorTable, FieldError, GeneralCodes, framework_errors

__all__ = ["ERRORS", "ApiError", "Codes", "ErrorCode", "FieldError", "invalid"]

log = logging.getLogger("service.tokens.http")


class Codes(GeneralCodes):
    """Paysafe's general codes (``infra.errors``) and the token service's own."""

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
    return ApiError(Codes.INVALID_FIELDS, field_errors=field_errors)


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
    return ApiError(Codes.BANK_TOKEN_INVALID if bank else Codes.CARD_TOKEN_INVALID)


ERRORS: ErrorTable = {
    TokenNotFound: _not_found,
    InvalidInstrument: lambda _, e: invalid(e.errors),
    RecordUnreadable: lambda _, e: ApiError(Codes.INTERNAL),
    # msgspec raises UnicodeDecodeError for invalid UTF-8 inside a JSON string.
    UnicodeDecodeError: lambda _, e: ApiError(Codes.NOT_PARSEABLE),
    **framework_errors(),
}
"""Exception → answer, looked up along the exception's MRO (``infra.errors``)."""
