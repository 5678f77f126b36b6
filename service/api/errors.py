"""The vault API's error vocabulary: Paysafe codes, HTTP statuses and messages (``infra.errors``
renders them). Messages never echo request values; only ids from the URL, which we issued."""

from __future__ import annotations

from infra.errors import ApiError, ErrorCode, FieldError, GeneralCodes

__all__ = ["Codes", "ErrorCode", "FieldError", "PaysafeError", "invalid", "unknown_id"]


class Codes(GeneralCodes):
    """Paysafe's general codes (``infra.errors``) and the vault's own."""

    UNKNOWN_ID = ErrorCode(
        "5269", 404, "The ID(s) specified in the URL do not correspond to the values in the system."
    )
    UNSUPPORTED_CONTENT_TYPE = ErrorCode(
        "5272",
        415,
        "The 'Content-Type' you specified in request header was submitted in an unsupported format.",
    )
    UNAVAILABLE = ErrorCode(
        "1000", 503, "The service is temporarily unavailable; retry the request."
    )
    CARD_TAKEN = ErrorCode("7503", 409, "Card number already in use")
    INVALID_BRAND = ErrorCode(
        "7508",
        400,
        "You submitted an invalid card number or brand or combination of card number and brand "
        "with your request.",
    )
    BILLING_ADDRESS_NOT_FOUND = ErrorCode(
        "7511",
        400,
        "The billing address was not found on this profile (address not found by its id).",
    )
    CUSTOMER_ID_TAKEN = ErrorCode(
        "7505",
        409,
        "The merchantCustomerId provided for this profile has already been used for another profile",
    )
    CUSTOMER_ID_AMBIGUOUS = ErrorCode(
        "7521", 409, "The merchantCustomerId provided is used in the following number of profiles"
    )
    # Not a Paysafe code: the bounded optimistic retry gave up while other writers kept changing the
    # profile. Documented in docs/api.md; clients retry it like a 409.
    CONCURRENT_MODIFICATION = ErrorCode(
        "7599", 409, "The profile was modified concurrently by other requests; retry the request."
    )


PaysafeError = ApiError
"""The vault's name for an error answer (the shape is shared with the token service)."""


def unknown_id(value: str) -> PaysafeError:
    return PaysafeError(Codes.UNKNOWN_ID, detail=f": {value}")


def invalid(field_errors: list[FieldError]) -> PaysafeError:
    return PaysafeError(Codes.INVALID_FIELDS, field_errors=field_errors)
