"""The shapes of the answers the API itself builds (single-use tokens, search results, errors,
the monitor), and the static parts of the OpenAPI document. The resource documents' shapes are
``projections.shapes``; request bodies are stated by their rules (``service.api.validation``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from projections import shapes
from projections.shapes import (
    CardCategory,
    CardExpiry,
    CardType,
    Country,
    CustomerSummary,
    Id,
)
from service.tokens.contract import AccessLedger


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


class SearchResult(msgspec.Struct):
    """Customer-search hits, most recently changed first (at most ``limit``)."""

    profiles: list[CustomerSummary]


class Link(msgspec.Struct):
    rel: Annotated[str, Meta(examples=["errorinfo", "existing_entity"])]
    # Relative (a path) unless VAULT_PUBLIC_BASE_URL is set: never built from the Host header.
    href: Annotated[str, Meta(extra_json_schema={"format": "uri-reference"})]


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
    *shapes.DOCUMENTS,
    SingleUseToken,
    SingleUseTokenCardSummary,
    BillingAddress,
    SearchResult,
    AccessLedger,
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
        # Any text: names outside the list are ignored, not refused.
        "schema": {"type": "array", "items": {"type": "string", "examples": list(FIELDS)}},
    },
    "X-Request-Id": {
        "name": "X-Request-Id",
        "in": "header",
        "description": "Echoed back and logged when it is 1 to 64 of A-Z a-z 0-9 . _ : -; "
        "otherwise (or when absent) a new id is made: any value is accepted.",
        "schema": {"type": "string", "examples": ["req-4f2a9c"]},
    },
}
HEADERS: dict[str, Any] = {
    "Location": _header(
        "URL of the new resource: VAULT_PUBLIC_BASE_URL + path, or the path alone (a relative "
        "reference, RFC 9110 §10.2.2) when no public base URL is configured.",
        format="uri-reference",
    ),
    "Retry-After": {
        "description": "Seconds to wait before retrying (429: until the failure window ends; "
        "503: while the dependency is unavailable).",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
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
  (`#/components/responses/UnknownUrl`). Authentication is checked first: missing credentials
  answer 401 5280, wrong or ambiguous ones (two `Authorization` headers) 401 5279; after too many
  failures from one address or for one key id, 429 5599 with `Retry-After`. While the database is
  unavailable any authenticated operation answers 503 1099 with `Retry-After`.
* **Absent fields** are omitted from responses, never `null`.
"""
