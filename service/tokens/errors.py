"""The token service's error codes (Paysafe shape, see service.api.errors)."""

from __future__ import annotations

from service.api.errors import ErrorCode, PaysafeError

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


class TokenNotFound(Exception):
    """Unknown, deleted, inactive, expired, consumed or another merchant's token: one answer."""

    def __init__(self, token: str) -> None:
        super().__init__("token not usable")
        self.token = token

    def error(self) -> PaysafeError:
        bank = self.token.startswith(BANK_PREFIXES)
        return PaysafeError(BANK_TOKEN_INVALID if bank else CARD_TOKEN_INVALID)


class RecordUnreadable(Exception):
    """A record failed to decrypt (tampered or misplaced): reported, never answered with data."""
