"""The vault API's bodies as msgspec structs, and the static parts of its OpenAPI document.

Nothing decodes with these structs: requests go through the tolerant checker in ``wire.py`` and
responses are built by ``projections.documents``. They exist so that
``msgspec.json.schema_components`` can write the JSON Schemas, and ``tests/unit/test_openapi.py``
holds them to the wire rules (lengths, enums, required keys) and to the documents the API sends.

Optional keys use ``UNSET`` rather than ``None``: the API omits absent fields and never sends
``null``. (On input it treats ``null`` like an absent key.)
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

Locale = Literal["en_US", "fr_CA", "en_GB"]
ProfileStatus = Literal["INITIAL", "ACTIVE"]
AddressStatus = Literal["ACTIVE", "INITIAL"]
Gender = Literal["M", "F"]

CardStatus = Literal["ACTIVE", "INITIAL"]
CardType = Literal["AM", "DC", "DI", "JC", "MC", "MD", "SF", "SO", "VD", "VE", "VI"]
CardCategory = Literal["CREDIT", "DEBIT", "PREPAID", "UNKNOWN"]
BankAccountStatus = Literal["ACTIVE", "INVALID", "INACTIVE"]
AccountType = Literal["CHECKING", "LOAN", "SAVINGS"]
MandateStatus = Literal[
    "INITIAL", "PENDING", "DECLINED", "BATCHED", "ACTIVE", "CANCELLED", "REJECTED", "DISPUTED",
    "INACTIVE",
]  # fmt: skip
StoredCredentialTokenStatus = Literal["UNVERIFIED"]


COUNTRY_PATTERN = "^[A-Za-z]{2}$"
Id = Annotated[uuid.UUID, Meta(description="Lower-case UUID issued by the vault.")]
PaymentToken = Annotated[
    str,
    Meta(
        description="The profile's permanent payment token: 'P' and 14 base62 characters. Stable "
        "across updates; do not parse it.",
        examples=["PJuZaa01cd2mbvU"],
    ),
]
Country = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=2,
        pattern=COUNTRY_PATTERN,
        description="ISO 3166-1 alpha-2 country code; stored and returned in upper case.",
        examples=["CA"],
    ),
]


class DateOfBirth(msgspec.Struct, kw_only=True):
    """A date of birth. Numeric strings such as "12" are accepted on input; the date must exist (no
    31 February) and its year may not be after the current year."""

    year: Annotated[int, Meta(ge=1900)]
    month: Annotated[int, Meta(ge=1, le=12)]
    day: Annotated[int, Meta(ge=1, le=31)]


class CardExpiry(msgspec.Struct, kw_only=True):
    """A card's expiry. Numeric strings such as "12" are accepted on input; a past date is not
    refused (Paysafe's test API accepted one)."""

    year: Annotated[int, Meta(ge=1000, le=9999)]
    month: Annotated[int, Meta(ge=1, le=12)]


class Card(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A vaulted card: masked data and its permanent payment token, never the number."""

    status: CardStatus
    id: Id
    nick_name: str | UnsetType = UNSET
    holder_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    card_bin: Annotated[str, Meta(description="The first 6 digits.", examples=["411111"])]
    last_digits: Annotated[str, Meta(description="The last 4 digits.", examples=["1111"])]
    card_expiry: CardExpiry
    billing_address_id: (
        Annotated[uuid.UUID, Meta(description="Gone when the address is deleted.")] | UnsetType
    ) = UNSET
    card_type: Annotated[CardType, Meta(description="From the BIN range.")]
    card_category: Annotated[
        CardCategory,
        Meta(
            description="Without an issuer BIN table: VI, MC, AM, DC, DI and JC are CREDIT; VE, "
            "MD and SO are DEBIT."
        ),
    ]
    payment_token: Annotated[
        str,
        Meta(
            description="The card's permanent payment token; unchanged by updates.",
            examples=["CQPpTVEkrHFn7Go"],
        ),
    ]
    stored_credential_token_status: (
        Annotated[
            StoredCredentialTokenStatus,
            Meta(description="Only in the answers of card create and GET, as Paysafe sends it."),
        ]
        | UnsetType
    ) = UNSET
    default_card_indicator: bool
    single_use_token: (
        Annotated[str, Meta(description="The single-use token the card was made from.")] | UnsetType
    ) = UNSET


LastDigits = Annotated[
    str, Meta(description="The last two digits of the account number.", examples=["22"])
]
BankPaymentToken = Annotated[
    str, Meta(description="The account's permanent payment token; unchanged by updates.")
]
BankBillingAddressId = Annotated[uuid.UUID, Meta(description="Gone when the address is deleted.")]
BankStatus = Annotated[
    BankAccountStatus, Meta(description="ACTIVE; a deleted account is gone (404 5269).")
]


class AchBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """An ACH (US) bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    account_type: AccountType
    last_digits: LastDigits
    routing_number: str
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class EftBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """An EFT (Canadian) bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    transit_number: str
    institution_id: str
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class BacsBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A BACS (UK) bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    sort_code: str
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class SepaBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A SEPA bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    bic: str | UnsetType = UNSET
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class Mandate(msgspec.Struct, kw_only=True, rename="camel"):
    """A BACS or SEPA direct-debit mandate. No ``links`` (SDK-py has no handler for them)."""

    id: Id
    reference: str
    bank_account_id: Id
    status: Annotated[MandateStatus, Meta(description="PENDING when created.")]
    status_change_date: Annotated[
        str,
        Meta(
            description="When the status last changed (UTC, seconds).",
            examples=["2025-01-31T12:00:00Z"],
            extra_json_schema={"format": "date-time"},
        ),
    ]
    payment_token: Annotated[
        str, Meta(description="The token BACS and SEPA purchases use; permanent.")
    ]


class BillingAddress(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The billing address as sent (country upper-cased); absent fields omitted."""

    country: Country
    nick_name: str | UnsetType = UNSET
    street: str | UnsetType = UNSET
    street2: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    state: str | UnsetType = UNSET
    zip: str | UnsetType = UNSET
    recipient_name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET


class SingleUseTokenCardSummary(msgspec.Struct, kw_only=True, rename="camel"):
    """The masked card behind a single-use token."""

    card_bin: str
    last_digits: str
    card_expiry: CardExpiry
    card_type: CardType
    card_category: CardCategory


class SingleUseToken(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A single-use token: valid for 15 minutes, redeemable once (POST /profiles with a ``card``
    or POST /profiles/{profileId}/cards, as ``singleUseToken``)."""

    id: Id
    payment_token: Annotated[str, Meta(examples=["SCCtUl97MFABvPm3"])]
    time_to_live_seconds: Annotated[int, Meta(ge=0)]
    billing_address: BillingAddress | UnsetType = UNSET
    card: SingleUseTokenCardSummary


class Address(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """An address of a profile. Absent fields are omitted, never null."""

    id: Id
    nick_name: str | UnsetType = UNSET
    street: str | UnsetType = UNSET
    street2: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    country: Country
    state: str | UnsetType = UNSET
    zip: str | UnsetType = UNSET
    recipient_name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    default_shipping_address_indicator: bool
    status: AddressStatus


_COLLECTION = "Present (possibly empty) only when `fields` names {}."


class Profile(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A customer profile. Absent fields are omitted, never null."""

    id: Id
    status: ProfileStatus
    merchant_customer_id: str
    locale: Locale
    first_name: str | UnsetType = UNSET
    middle_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    date_of_birth: DateOfBirth | UnsetType = UNSET
    ip: str | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    nationality: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    cell_phone: str | UnsetType = UNSET
    payment_token: PaymentToken
    addresses: (
        Annotated[
            list[Address],
            Meta(
                description="Present (possibly empty) when `fields` names addresses, and on the "
                "answer of a create with a card."
            ),
        ]
        | UnsetType
    ) = UNSET
    cards: (
        Annotated[
            list[Card],
            Meta(
                description="Present (possibly empty) when `fields` names cards, and on the answer "
                "of a create with a card; without storedCredentialTokenStatus."
            ),
        ]
        | UnsetType
    ) = UNSET
    ach_bank_accounts: (
        Annotated[list[AchBankAccount], Meta(description=_COLLECTION.format("achbankaccounts"))]
        | UnsetType
    ) = UNSET
    eft_bank_accounts: (
        Annotated[list[EftBankAccount], Meta(description=_COLLECTION.format("eftbankaccounts"))]
        | UnsetType
    ) = UNSET
    bacs_bank_accounts: (
        Annotated[list[BacsBankAccount], Meta(description=_COLLECTION.format("bacsbankaccounts"))]
        | UnsetType
    ) = UNSET
    sepa_bank_accounts: (
        Annotated[list[SepaBankAccount], Meta(description=_COLLECTION.format("sepabankaccounts"))]
        | UnsetType
    ) = UNSET


class CustomerSummary(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A customer-search hit: the profile's identifying fields only."""

    id: Id
    status: ProfileStatus
    merchant_customer_id: str
    first_name: str | UnsetType = UNSET
    middle_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    cell_phone: str | UnsetType = UNSET


class SearchResult(msgspec.Struct):
    """Customer-search hits, most recently changed first (at most ``limit``)."""

    profiles: list[CustomerSummary]


class Link(msgspec.Struct):
    rel: Annotated[str, Meta(examples=["errorinfo", "existing_entity"])]
    href: Annotated[str, Meta(extra_json_schema={"format": "uri"})]


class FieldError(msgspec.Struct):
    field: Annotated[
        str, Meta(description="Dotted path of the field, e.g. dateOfBirth.day", examples=["locale"])
    ]
    error: Annotated[str, Meta(examples=["may not be empty"])]


class ErrorDetail(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    code: Annotated[
        str,
        Meta(
            pattern="^[0-9]+$",
            description="The Paysafe error code, also sent as X-Application-Status-Code.",
            examples=["5068"],
        ),
    ]
    message: str
    field_errors: (
        Annotated[list[FieldError], Meta(description="One entry per problem (5068).")] | UnsetType
    ) = UNSET
    links: Annotated[list[Link], Meta(description='One "errorinfo" link to the code\'s docs.')]


class Error(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Every error answer: a JSON body, and the code in the X-Application-Status-Code header."""

    error: ErrorDetail
    links: (
        Annotated[
            list[Link],
            Meta(
                description='"existing_entity" links to the conflicting profiles (7505, 7521) or '
                "card (7503, as /customervault/v1/cards/{cardId}, without the profile)."
            ),
        ]
        | UnsetType
    ) = UNSET


class Monitor(msgspec.Struct):
    status: Literal["READY"]


SCHEMAS: tuple[type[msgspec.Struct], ...] = (
    Profile,
    Address,
    DateOfBirth,
    Card,
    CardExpiry,
    AchBankAccount,
    EftBankAccount,
    BacsBankAccount,
    SepaBankAccount,
    Mandate,
    SingleUseToken,
    SingleUseTokenCardSummary,
    BillingAddress,
    SearchResult,
    CustomerSummary,
    Error,
    ErrorDetail,
    FieldError,
    Link,
    Monitor,
)


# --- the static components: parameters, headers, security scheme, description ---------------------

FIELDS = (
    "addresses",
    "cards",
    "achbankaccounts",
    "eftbankaccounts",
    "bacsbankaccounts",
    "sepabankaccounts",
)


def _path_id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": "Anything but an id of the merchant's live resources answers 404 5269.",
        "schema": {"type": "string", "format": "uuid"},
    }


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


PARAMETERS: dict[str, Any] = {
    "profileId": _path_id("profileId"),
    "addressId": _path_id("addressId"),
    "cardId": _path_id("cardId"),
    "bankAccountId": _path_id("bankAccountId"),
    "mandateId": _path_id("mandateId"),
    "fields": {
        "name": "fields",
        "in": "query",
        "description": "Sub-collections to embed, comma-separated (raw or %2C), any case. Empty "
        "means none; unknown names are ignored. Each name asked for adds its array, [] when "
        "empty: addresses, cards, and achBankAccounts, eftBankAccounts, bacsBankAccounts, "
        "sepaBankAccounts for the bank kinds.",
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string", "enum": list(FIELDS)}},
    },
    "X-Request-Id": {
        "name": "X-Request-Id",
        "in": "header",
        "description": "Echoed back and logged; a new id is made when absent or invalid.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
    },
}
HEADERS: dict[str, Any] = {
    "Location": _header("Absolute URL of the new resource.", format="uri"),
    "WWW-Authenticate": _header('Always Basic realm="authSecurity".'),
    "Allow": _header("The methods the path supports, comma-separated."),
    "X-Request-Id": _header("The request's id, as logged."),
    "X-Applicationuid": _header("GUID=<request id>, as Paysafe sends it."),
    "Cache-Control": _header("max-age=0, no-cache, no-store"),
    "Pragma": _header("no-cache"),
}
SECURITY_SCHEMES: dict[str, Any] = {
    "basicAuth": {
        "type": "http",
        "scheme": "basic",
        "description": "A server API key. User name: the key id; password: the key password. "
        "It reaches every authenticated path but /singleusetokens (403 5270).",
    },
    "singleUseTokenAuth": {
        "type": "http",
        "scheme": "basic",
        "description": "A single-use-token API key (the kind handed to client devices), as "
        "id:password. It reaches /singleusetokens only (403 5270 elsewhere).",
    },
}

DESCRIPTION = """\
A Paysafe Customer Vault REST API v1 compatible vault: customer profiles, their addresses, cards,
ACH/EFT/BACS/SEPA bank accounts and mandates, card single-use tokens, plus a customer-search
extension. Card and account numbers go to a separate token service; the vault keeps payment tokens
and masked data only.

* **Authentication**: HTTP Basic with an API key id and password, on every `/customervault/v1`
  path except this document. Server keys reach everything but `/singleusetokens`; single-use-token
  keys reach only `/singleusetokens`. The other combinations answer 403 5270.
* **Token service**: operations that create, change or delete an instrument (and profile create
  with a card, profile delete) call it; when it is unavailable they answer 503 1000 and can be
  retried.
* **Paths** work with and without a trailing slash; an empty query (`?`) is ignored.
* **Bodies** are read tolerantly, as Paysafe's SDKs expect: numeric strings for integers, the
  strings "true"/"false" for booleans, numbers for strings; unknown and read-only keys are ignored;
  `null` counts as absent. Any JSON-ish Content-Type is accepted (`application/json` with or without
  charset, `text/json`, `*+json`, `text/plain`, `application/octet-stream`, none).
* **Errors** always have a JSON body (schema `Error`) and the code in `X-Application-Status-Code`.
  A method a path does not list answers 405 5281 with an `Allow` header
  (`#/components/responses/MethodNotAllowed`); a URL that matches no path answers 404 5273
  (`#/components/responses/UnknownUrl`). Authentication is checked first.
* **Absent fields** are omitted from responses, never `null`.
"""
