"""The token service's wire contract: every request and response body, once.

The token service decodes and encodes with these structs, the vault's client
(``service/adapters/token_service.py``) uses the same ones, and the OpenAPI document is generated
from them (``service/tokens/openapi.py``). Instrument bodies are checked field by field by
``service/tokens/instruments.py`` (its messages name every bad field); their structs here describe
them for the document.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from events.types import CardExpiry as CardExpiry  # the vault stores what redeem answers

Kind = Literal["card", "ach", "eft", "bacs", "sepa", "mandate"]
Status = Literal["ACTIVE", "INACTIVE"]
UpdateStatus = Literal["ACTIVE", "INACTIVE", "CLOSED"]
Text = Annotated[str, Meta(max_length=255)]
Digits = Annotated[str, Meta(pattern="^[0-9]+$")]


class _Wire(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=False):
    pass


class Expiry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    month: Annotated[int, Meta(ge=1, le=12)]
    year: Annotated[int, Meta(ge=1000, le=9999)]


Address = Annotated[dict[Annotated[str, Meta(max_length=64)], Text], Meta(max_length=20)]


class Card(_Wire, frozen=True, forbid_unknown_fields=True):
    card_num: Annotated[str, Meta(pattern="^[0-9]{12,20}$")]
    card_expiry: Expiry
    holder_name: Annotated[str, Meta(min_length=1, max_length=160)] | None = None
    cvv: (
        Annotated[str, Meta(pattern="^[0-9]{3,4}$", description="single-use tokens only")] | None
    ) = None
    billing_address: Address | None = None


class AchAccount(_Wire, frozen=True, forbid_unknown_fields=True):
    account_number: Annotated[str, Meta(pattern="^[0-9]{4,34}$")]
    routing_number: Annotated[str, Meta(pattern="^[0-9]{3,9}$")]
    account_holder_name: Annotated[str, Meta(min_length=1, max_length=160)]
    account_type: Literal["CHECKING", "SAVINGS", "LOAN"]


class EftAccount(_Wire, frozen=True, forbid_unknown_fields=True):
    account_number: Annotated[str, Meta(pattern="^[0-9]{5,12}$")]
    transit_number: Annotated[str, Meta(pattern="^[0-9]{3,9}$")]
    institution_id: Annotated[str, Meta(pattern="^[0-9]{3,9}$")]
    account_holder_name: Annotated[str, Meta(min_length=1, max_length=160)]


class BacsAccount(_Wire, frozen=True, forbid_unknown_fields=True):
    account_number: Annotated[str, Meta(pattern="^[0-9]{4,34}$")]
    sort_code: Annotated[str, Meta(pattern="^[0-9]{3,9}$")]
    account_holder_name: Annotated[str, Meta(min_length=1, max_length=160)]


class SepaAccount(_Wire, frozen=True, forbid_unknown_fields=True):
    iban: Annotated[str, Meta(pattern="^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{1,40}$")]
    account_holder_name: Annotated[str, Meta(min_length=1, max_length=160)]
    bic: Annotated[str, Meta(min_length=1, max_length=11)] | None = None


class Mandate(_Wire, frozen=True, forbid_unknown_fields=True):
    reference: Annotated[str, Meta(min_length=1, max_length=35)]
    bank_account_token: Annotated[
        str, Meta(min_length=1, max_length=50, description="a D… token of the same merchant")
    ]


INSTRUMENTS: dict[str, type[_Wire]] = {
    "card": Card,
    "ach": AchAccount,
    "eft": EftAccount,
    "bacs": BacsAccount,
    "sepa": SepaAccount,
    "mandate": Mandate,
}
Instrument = dict[str, Any]
"""An instrument body as sent: one of the structs above, checked by ``instruments.parse``."""

MerchantId = uuid.UUID


class TokenizeRequest(_Wire, frozen=True):
    merchant_id: MerchantId
    kind: Kind
    instrument: Annotated[
        Instrument,
        Meta(
            extra_json_schema={
                "oneOf": [
                    {"$ref": f"#/components/schemas/{s.__name__}"} for s in INSTRUMENTS.values()
                ]
            }
        ),
    ]
    single_use: bool = False
    status: Status = "ACTIVE"


class UpdateRequest(_Wire, frozen=True, omit_defaults=True):
    merchant_id: MerchantId
    instrument: Instrument | None = None
    status: UpdateStatus | None = None


class RedeemRequest(_Wire, frozen=True):
    merchant_id: MerchantId


class ResolveRequest(_Wire, frozen=True):
    merchant_id: MerchantId
    payment_token: Annotated[str, Meta(min_length=1, max_length=50)]
    # Printable and not blank: a NUL or another control character is refused (and audited).
    purpose: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        ),
    ]


class Tokenized(_Wire, frozen=True):
    # The service always sends every field (null when it does not apply); the defaults let the
    # vault's tests and fakes build one with only what they need.
    token: str
    kind: str
    fingerprint: str | None = None
    fingerprint_key_version: int | None = None
    bin: str | None = None
    last_digits: str | None = None
    expires_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})] | None = None


class Redeemed(Tokenized, frozen=True):
    holder_name: str | None = None
    card_expiry: CardExpiry | None = None
    billing_address: dict[str, Any] | None = None


class ResolvedCard(_Wire, frozen=True, omit_defaults=True):
    card_num: str
    card_expiry: CardExpiry
    holder_name: str | None = None


class ResolvedMandate(_Wire, frozen=True):
    reference: str
    bank_account_token: str
    bank_account_kind: str


class Resolved(_Wire, frozen=True, omit_defaults=True):
    payment_token: str
    kind: str
    card: ResolvedCard | None = None
    billing_address: dict[str, str] | None = None
    bank_account: dict[str, str] | None = None
    mandate: ResolvedMandate | None = None


class ListedRecord(_Wire, frozen=True):
    """A live permanent record as reconciliation sees it: never a number or masked digits."""

    token: str
    kind: str
    status: str
    created_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]


class Listing(_Wire, frozen=True):
    """One page of a merchant's live permanent records in token order. ``as_of`` is the token
    service's clock when the page was read, so ages are measured with the clock that stamped
    ``created_at``; ``next_after`` is the ``after`` of the next page, null on the last one."""

    records: list[ListedRecord]
    as_of: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    next_after: str | None = None


RECONCILIATION = "reconciliation"
"""The ``reason`` of a delete made by reconciliation (scope `reconcile`): audited as such."""
LISTING_MAX = 1000
TOKEN_MAX_LENGTH = 50


class KekUsage(_Wire, frozen=True):
    id: str
    records: int
    fingerprint_secrets: int
    in_keyring: bool


class Keys(_Wire, frozen=True):
    active_kek_id: str
    keks: list[KekUsage]
    fingerprint_key_version: int


class FieldErrorBody(msgspec.Struct, frozen=True):
    field: str
    error: str


class Link(msgspec.Struct, frozen=True):
    rel: str
    href: str


class ErrorDetail(_Wire, frozen=True):
    code: str
    message: str
    field_errors: list[FieldErrorBody] | None = None
    links: list[Link] | None = None


class Error(msgspec.Struct, frozen=True):
    error: ErrorDetail


def _ref(struct: type) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{struct.__name__}"}


def _variant(kind: str, single_use: bool, instrument: dict[str, Any]) -> dict[str, Any]:
    variant: dict[str, Any] = {
        "properties": {
            "kind": {"const": kind},
            "singleUse": {"const": single_use},
            "instrument": instrument,
        }
    }
    if single_use:  # absent means false
        variant["required"] = ["singleUse"]
    return variant


SCHEMA_EXTRAS: dict[str, dict[str, Any]] = {
    # Which instrument goes with which kind, and the CVV only in a single-use card token: rules
    # across fields that the structs cannot say, added to their generated schemas.
    "TokenizeRequest": {
        "oneOf": [
            _variant("card", True, _ref(Card)),
            _variant("card", False, {"allOf": [_ref(Card), {"not": {"required": ["cvv"]}}]}),
            *(
                _variant(kind, False, _ref(struct))
                for kind, struct in INSTRUMENTS.items()
                if kind != "card"
            ),
        ]
    },
    "UpdateRequest": {
        "anyOf": [
            {"required": ["instrument"], "properties": {"instrument": {"type": "object"}}},
            {"required": ["status"], "properties": {"status": {"type": "string"}}},
        ]
    },
}

FIELD_MESSAGES = {
    "merchantId": "must be a UUID",
    "kind": "must be one of card, ach, eft, bacs, sepa, mandate",
    "singleUse": "must be a boolean",
    "status": "must be ACTIVE or INACTIVE (or CLOSED, on update)",
    "instrument": "must be an object",
    "paymentToken": "must be a string of 1 to 50 characters",
    "purpose": "must be a non-empty string of at most 200",
    "cardNum": "must be 12 to 20 digits",
    "cardExpiry": "must be {month, year}",
    "fingerprint": "must be a string of 1 to 100 characters",
    "closed": "must be a boolean",
    "effectiveAt": "must be an RFC 3339 time with an offset",
}
"""What a bad top-level field is told, whatever msgspec found (its messages may quote values)."""


class Access(_Wire, frozen=True):
    """One row of the access ledger: an audit event as it was written (never a number; the token
    only as its SHA-256)."""

    event_id: str
    type: str
    occurred_at: str
    merchant_id: str
    token_fingerprint: str | None
    kind: str | None
    client_id: str | None
    purpose: str | None
    outcome: str
    reason: str | None
    new_token_fingerprint: str | None = None
    # AuthenticationFailed: the source address and how many failures it made in the window.
    source: str | None = None
    attempts: int | None = None


class AccessLedger(_Wire, frozen=True):
    """Newest first; ``next`` is the ``before`` cursor of the following (older) page, or null."""

    accesses: list[Access]
    next: str | None


class NetworkUpdate(_Wire, frozen=True, forbid_unknown_fields=True):
    """A card update from a network (account updater): the card by its payment token or by its
    keyed fingerprint, and a new number and/or expiry, or a closure."""

    merchant_id: uuid.UUID
    effective_at: Annotated[datetime, Meta(tz=True)]
    payment_token: Annotated[str, Meta(min_length=1, max_length=50)] | None = None
    fingerprint: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    card_num: Annotated[str, Meta(pattern="^[0-9]{12,20}$")] | None = None
    card_expiry: Expiry | None = None
    closed: bool = False


class NetworkUpdated(_Wire, frozen=True):
    """The card record after a network update (never the number); ``applied`` is false for a
    duplicate or an update older than one already applied (the record is then unchanged)."""

    payment_token: str
    card_bin: str
    last_digits: str
    fingerprint: str
    closed: bool
    applied: bool = True
