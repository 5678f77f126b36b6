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

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
COUNTRY_PATTERN = "^[A-Za-z]{2}$"


def _text(max_length: int, description: str = "", min_length: int | None = None) -> Meta:
    return Meta(max_length=max_length, min_length=min_length, description=description or None)


Id = Annotated[uuid.UUID, Meta(description="Lower-case UUID issued by the vault.")]
MerchantCustomerId = Annotated[
    str,
    _text(100, "The merchant's own customer id; unique per merchant (409 7505).", min_length=1),
]
Name = Annotated[str, _text(80)]
Ip = Annotated[str, _text(46, "IPv4 or IPv6 address, as text.")]
Nationality = Annotated[str, _text(30)]
Email = Annotated[
    str,
    Meta(
        max_length=255,
        pattern=EMAIL_PATTERN,
        description="A well-formed e-mail address.",
        extra_json_schema={"format": "email"},
    ),
]
Phone = Annotated[str, _text(40)]
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
Zip = Annotated[str, _text(10, "Postal or ZIP code.", min_length=1)]
Street = Annotated[str, _text(50)]
CityOrState = Annotated[str, _text(40)]
NickName = Annotated[str, _text(50)]
RecipientName = Annotated[str, _text(255)]


class DateOfBirth(msgspec.Struct, kw_only=True):
    """A date of birth. Numeric strings such as "12" are accepted on input; the date must exist (no
    31 February) and its year may not be after the current year."""

    year: Annotated[int, Meta(ge=1900)]
    month: Annotated[int, Meta(ge=1, le=12)]
    day: Annotated[int, Meta(ge=1, le=31)]


class ProfileRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The body of POST /profiles and PUT /profiles/{profileId}.

    PUT is a full replacement: an optional field left out is cleared, except ``status``, which
    is kept when absent. Unknown and read-only keys (``id``, ``paymentToken``, ``addresses``, ...)
    are ignored; ``null`` counts as absent; numbers are accepted for strings. A ``card`` object is
    refused (400 5068): this vault does not store cards yet."""

    merchant_customer_id: MerchantCustomerId
    locale: Annotated[Locale, Meta(description='Anything else answers 5068 "Invalid Locale".')]
    first_name: Name | UnsetType = UNSET
    middle_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    date_of_birth: DateOfBirth | UnsetType = UNSET
    ip: Ip | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    nationality: Nationality | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    cell_phone: Phone | UnsetType = UNSET
    status: (
        Annotated[
            ProfileStatus,
            Meta(
                description="ACTIVE when absent on create; the current status when absent on PUT."
            ),
        ]
        | UnsetType
    ) = UNSET


class AddressRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The body of POST /profiles/{profileId}/addresses and PUT .../addresses/{addressId}.

    ``country`` and ``zip`` are required; PUT is a full replacement. Unknown and read-only keys
    (``id``, ``status``, ``profileId``, ...) are ignored; ``null`` counts as absent; numbers are
    accepted for strings and "true"/"false" for the indicator."""

    country: Country
    zip: Zip
    nick_name: NickName | UnsetType = UNSET
    street: Street | UnsetType = UNSET
    street2: Street | UnsetType = UNSET
    city: CityOrState | UnsetType = UNSET
    state: Annotated[str, _text(40, "Province or state; for CA and US its code.")] | UnsetType = (
        UNSET
    )
    recipient_name: RecipientName | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    default_shipping_address_indicator: bool = False


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
            Meta(description="Present (possibly empty) only when `fields` names addresses."),
        ]
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
            Meta(description='"existing_entity" links to the conflicting profiles (7505, 7521).'),
        ]
        | UnsetType
    ) = UNSET


class Monitor(msgspec.Struct):
    status: Literal["READY"]


SCHEMAS: tuple[type[msgspec.Struct], ...] = (
    Profile,
    ProfileRequest,
    Address,
    AddressRequest,
    DateOfBirth,
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
    "fields": {
        "name": "fields",
        "in": "query",
        "description": "Sub-collections to embed, comma-separated (raw or %2C), any case. Empty "
        "means none; unknown names are ignored; only addresses is served so far.",
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
        "description": "User name: the API key id; password: the key password.",
    }
}

DESCRIPTION = """\
A Paysafe Customer Vault REST API v1 compatible vault: customer profiles and their addresses
(cards and bank accounts are not served yet), plus a customer-search extension.

* **Authentication**: HTTP Basic with an API key id and password, on every `/customervault/v1`
  path except this document. Single-use-token keys are refused (403 5270).
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
