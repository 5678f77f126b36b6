"""The OpenAPI 3.1 description of the vault API, served without authentication at
``/customervault/v1/openapi.json``.

Body schemas are generated from the structs in ``openapi_schemas``; error examples are rendered by
the same ``PaysafeError`` the middleware answers with, so they cannot drift from the real bodies.
Every error status an operation can answer is listed, with its codes in X-Application-Status-Code.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from typing import Any

import msgspec

from service.api import errors
from service.api import openapi_schemas as schemas
from service.api.errors import INVALID_BRAND, ErrorCode, FieldError, PaysafeError
from service.api.instrument_wire import BANK_KINDS
from service.api.middleware import SINGLE_USE_TOKENS

JSON = "application/json"
SCHEMA_REF = "#/components/schemas/{name}"
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}

MONITOR = "/customervault/monitor"
OPENAPI = "/customervault/v1/openapi.json"
PROFILES = "/customervault/v1/profiles"
PROFILE = f"{PROFILES}/{{profileId}}"
ADDRESSES = f"{PROFILE}/addresses"
ADDRESS = f"{ADDRESSES}/{{addressId}}"
SEARCH = "/customervault/v1/customersearch"
CARDS = f"{PROFILE}/cards"
CARD = f"{CARDS}/{{cardId}}"
MANDATE = f"{PROFILE}/mandates/{{mandateId}}"
MANDATE_KINDS = ("bacs", "sepa")

_EXAMPLE_BASE = "https://vault.example.com"
_EXAMPLE_ID = "2e7daaac-49f1-4aae-befb-e9b03a30cbc8"
_EXAMPLE_ID_2 = "0c4bd194-5b1e-4a4e-9d1e-3f1f3b3c2a10"


def _example_error(kind: ErrorCode) -> dict[str, Any]:
    """The body the API sends for ``kind``, with plausible details."""
    profile_url = f"{_EXAMPLE_BASE}{PROFILES}/"
    card_url = f"{_EXAMPLE_BASE}/customervault/v1/cards/"  # no profile segment (spec §3.3.1)
    details: dict[ErrorCode, PaysafeError] = {
        errors.INVALID_FIELDS: PaysafeError(
            kind,
            field_errors=[
                FieldError("merchantCustomerId", "size must be between 1 and 100"),
                FieldError("locale", "Invalid Locale"),
            ],
        ),
        errors.UNKNOWN_ID: PaysafeError(kind, detail=f": {_EXAMPLE_ID}"),
        errors.CARD_TAKEN: PaysafeError(
            kind,
            detail=f" - {_EXAMPLE_ID}",
            links=[{"rel": "existing_entity", "href": f"{card_url}{_EXAMPLE_ID}"}],
        ),
        errors.CUSTOMER_ID_TAKEN: PaysafeError(
            kind,
            detail=f" - {_EXAMPLE_ID}",
            links=[{"rel": "existing_entity", "href": f"{profile_url}{_EXAMPLE_ID}"}],
        ),
        errors.CUSTOMER_ID_AMBIGUOUS: PaysafeError(
            kind,
            detail=": 2",
            links=[
                {"rel": "existing_entity", "href": f"{profile_url}{pid}"}
                for pid in (_EXAMPLE_ID, _EXAMPLE_ID_2)
            ],
        ),
    }
    return details.get(kind, PaysafeError(kind)).body()


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


_COMMON_HEADERS = {
    name: _ref("headers", name)
    for name in ("X-Request-Id", "X-Applicationuid", "Cache-Control", "Pragma")
}


def _error_response(kinds: list[ErrorCode]) -> dict[str, Any]:
    status = kinds[0].http_status
    assert all(k.http_status == status for k in kinds), kinds
    headers: dict[str, Any] = {
        "X-Application-Status-Code": {
            "description": "The Paysafe error code of the body.",
            "required": True,
            "schema": {"type": "string", "enum": [k.code for k in kinds]},
        },
        **_COMMON_HEADERS,
    }
    if status == 401:
        headers["WWW-Authenticate"] = _ref("headers", "WWW-Authenticate")
    if status == 405:
        headers["Allow"] = _ref("headers", "Allow")
    return {
        "description": " | ".join(f"{k.code}: {k.message}" for k in kinds),
        "headers": headers,
        "content": {
            JSON: {
                "schema": ERROR_SCHEMA,
                "examples": {
                    k.code: {"summary": k.message, "value": _example_error(k)} for k in kinds
                },
            }
        },
    }


def _json(schema: str, description: str, **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**headers, **_COMMON_HEADERS},
        "content": {JSON: {"schema": _ref("schemas", schema)}},
    }


def _created(schema: str, what: str) -> dict[str, Any]:
    return _json(schema, f"The {what} as stored.", Location=_ref("headers", "Location"))


_LOCATION_UNLESS_CARD = {
    "description": "Absolute URL of the new profile; absent when the body had a `card`.",
    "schema": {"type": "string", "format": "uri"},
}

_DELETED = {
    "description": "Deleted. The body is empty (Content-Length: 0), as Paysafe's SDKs expect.",
    "headers": {
        "Content-Length": {"schema": {"type": "integer", "const": 0}},
        **_COMMON_HEADERS,
    },
}

AUTH = (errors.MISSING_CREDENTIALS, errors.INVALID_CREDENTIALS, errors.NO_PERMISSION)
BODY = (
    errors.INVALID_FIELDS,
    errors.NOT_PARSEABLE,
    errors.TOO_LARGE,
    errors.UNSUPPORTED_CONTENT_TYPE,
)
COMMAND = (*AUTH, errors.UNKNOWN_ID, errors.CONCURRENT_MODIFICATION)
# Operations that call the token service answer 503 1000 when it is unavailable.
TOKEN_SERVICE = (errors.UNAVAILABLE,)


def _responses(success: dict[str, dict[str, Any]], kinds: Iterable[ErrorCode]) -> dict[str, Any]:
    by_status: dict[int, list[ErrorCode]] = {}
    for kind in (*kinds, errors.INTERNAL):
        if kind not in by_status.setdefault(kind.http_status, []):
            by_status[kind.http_status].append(kind)
    failures = {str(status): _error_response(by_status[status]) for status in sorted(by_status)}
    return {**success, **failures}


def _operation(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    responses: dict[str, Any],
    *,
    body: str | None = None,
    parameters: tuple[dict[str, Any], ...] = (),
    public: bool = False,
    security: str | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [tag],
        "summary": summary,
        "description": inspect.cleandoc(description),
        "parameters": [*parameters, _ref("parameters", "X-Request-Id")],
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref("schemas", body)}},
        }
    operation["responses"] = responses
    if public:
        operation["security"] = []
    elif security is not None:
        operation["security"] = [{security: []}]
    return operation


def _instrument_paths() -> dict[str, Any]:
    profile_id = _ref("parameters", "profileId")
    card_id = _ref("parameters", "cardId")
    account_id = _ref("parameters", "bankAccountId")
    card = _json("Card", "The card.")
    billing = (errors.BILLING_ADDRESS_NOT_FOUND,)
    paths: dict[str, Any] = {
        CARDS: {
            "parameters": [profile_id],
            "post": _operation(
                "createCard",
                "Cards",
                "Add a card to a profile",
                """Vaults a card: the number (or the single-use token's card) goes to the token
                service first; if the vault then refuses the card (7503, 7511, 5269 ...) the new
                token is destroyed again. The same number twice on one profile (by the token
                service's keyed fingerprint) answers 409 7503 with an `existing_entity` link to
                `/customervault/v1/cards/{id}`. The answer carries
                `storedCredentialTokenStatus` UNVERIFIED.""",
                _responses(
                    {"201": _created("Card", "card")},
                    (*BODY, *COMMAND, INVALID_BRAND, *billing, errors.CARD_TAKEN, *TOKEN_SERVICE),
                ),
                body="CardRequest",
            ),
        },
        CARD: {
            "parameters": [profile_id, card_id],
            "get": _operation(
                "getCard",
                "Cards",
                "Get a card",
                """A card of the profile, with `storedCredentialTokenStatus` UNVERIFIED. Unknown
                profile or card ids answer 404 5269.""",
                _responses({"200": card}, (*AUTH, errors.UNKNOWN_ID)),
            ),
            "put": _operation(
                "updateCard",
                "Cards",
                "Replace a card",
                """Full replacement of the updatable fields (expiry, holder, nickname, reference,
                billing address link, default flag); the number, BIN, last digits and payment
                token never change. Expiry and holder name are also updated in the token service.
                The answer has no `storedCredentialTokenStatus`, as Paysafe's.""",
                _responses({"200": card}, (*BODY, *COMMAND, *billing, *TOKEN_SERVICE)),
                body="CardUpdateRequest",
            ),
            "delete": _operation(
                "deleteCard",
                "Cards",
                "Delete a card",
                """The token is destroyed in the token service first, then the card is removed:
                a failure in between leaves a card whose token no longer pays, never a removed
                card whose token still would.""",
                _responses({"200": _DELETED}, (*COMMAND, *TOKEN_SERVICE)),
            ),
        },
    }
    for kind in BANK_KINDS:
        name = f"{kind.capitalize()}BankAccount"
        accounts = f"{PROFILE}/{kind}bankaccounts"
        label = kind.upper()
        account = _json(name, f"The {label} bank account.")
        paths[accounts] = {
            "parameters": [profile_id],
            "post": _operation(
                f"create{name}",
                "Bank accounts",
                f"Add a {label} bank account to a profile",
                """The account number (or IBAN) goes to the token service first; if the vault then
                refuses the account (7511, 5269 ...) the new token is destroyed again.
                `billingAddressId` must name an address of the profile (400 7511).""",
                _responses(
                    {"201": _created(name, f"{label} bank account")},
                    (*BODY, *COMMAND, *billing, *TOKEN_SERVICE),
                ),
                body=f"{name}Request",
            ),
        }
        paths[f"{accounts}/{{bankAccountId}}"] = {
            "parameters": [profile_id, account_id],
            "get": _operation(
                f"get{name}",
                "Bank accounts",
                f"Get a {label} bank account",
                """An account of this kind on the profile; any other id (including an account
                of another kind) answers 404 5269.""",
                _responses({"200": account}, (*AUTH, errors.UNKNOWN_ID)),
            ),
            "put": _operation(
                f"update{name}",
                "Bank accounts",
                f"Replace a {label} bank account",
                """Full replacement, with the create's required fields. The number cannot change:
                a different one answers 5068 on it ("cannot be changed; add a new account").""",
                _responses({"200": account}, (*BODY, *COMMAND, *billing, *TOKEN_SERVICE)),
                body=f"{name}Request",
            ),
            "delete": _operation(
                f"delete{name}",
                "Bank accounts",
                f"Delete a {label} bank account",
                """The tokens of the account's mandates and of the account are destroyed first,
                then the account and its mandates are removed.""",
                _responses({"200": _DELETED}, (*COMMAND, *TOKEN_SERVICE)),
            ),
        }
    for kind in MANDATE_KINDS:
        label = kind.upper()
        paths[f"{PROFILE}/{kind}bankaccounts/{{bankAccountId}}/mandates"] = {
            "parameters": [profile_id, account_id],
            "post": _operation(
                f"create{kind.capitalize()}Mandate",
                "Mandates",
                f"Add a mandate to a {label} bank account",
                """Creates a PENDING mandate with its own payment token (made in the token
                service first, destroyed again if the vault refuses). Answers 201 with a
                `Location` at the flat path `/profiles/{profileId}/mandates/{mandateId}`.""",
                _responses(
                    {"201": _created("Mandate", "mandate")},
                    (*BODY, *COMMAND, *TOKEN_SERVICE),
                ),
                body=f"{kind.capitalize()}MandateRequest",
            ),
        }
    mandate = _json("Mandate", "The mandate.")
    paths[MANDATE] = {
        "parameters": [profile_id, _ref("parameters", "mandateId")],
        "get": _operation(
            "getMandate",
            "Mandates",
            "Get a mandate",
            "A mandate of the profile; unknown ids answer 404 5269.",
            _responses({"200": mandate}, (*AUTH, errors.UNKNOWN_ID)),
        ),
        "put": _operation(
            "updateMandateStatus",
            "Mandates",
            "Change a mandate's status",
            """Sets `status` and `statusChangeDate`. DECLINED, CANCELLED, REJECTED, DISPUTED and
            INACTIVE make the mandate's token stop resolving in the token service; the other
            statuses make it resolve again.""",
            _responses({"200": mandate}, (*BODY, *COMMAND, *TOKEN_SERVICE)),
            body="MandateStatusRequest",
        ),
        "delete": _operation(
            "deleteMandate",
            "Mandates",
            "Delete a mandate",
            "The mandate's token is destroyed first, then the mandate is removed.",
            _responses({"200": _DELETED}, (*COMMAND, *TOKEN_SERVICE)),
        ),
    }
    paths[SINGLE_USE_TOKENS] = {
        "post": _operation(
            "createSingleUseToken",
            "Single-use tokens",
            "Create a card single-use token",
            """Only with a single-use-token API key (a server key answers 403 5270). The card,
            CVV included, goes to the token service, which keeps it for 15 minutes or until the
            token is redeemed by a card or profile create. Answers **200** (not 201, and no
            Location), as Paysafe does.""",
            _responses(
                {"200": _json("SingleUseToken", "The single-use token.")},
                (*BODY, *AUTH, INVALID_BRAND, *TOKEN_SERVICE),
            ),
            body="SingleUseTokenRequest",
            security="singleUseTokenAuth",
        )
    }
    return paths


def _paths() -> dict[str, Any]:
    fields = _ref("parameters", "fields")
    profile_id = _ref("parameters", "profileId")
    address_id = _ref("parameters", "addressId")
    profile = _json("Profile", "The profile.")
    address = _json("Address", "The address.")
    return {
        MONITOR: {
            "get": _operation(
                "monitor",
                "Monitor",
                "Health check",
                'Paysafe\'s health check: the SDKs compare `status` with "READY". No '
                "credentials are needed; any sent are ignored.",
                _responses({"200": _json("Monitor", "The vault is up.")}, ()),
                public=True,
            )
        },
        OPENAPI: {
            "get": _operation(
                "openApiDocument",
                "Meta",
                "This OpenAPI document",
                "The OpenAPI 3.1 description of this API. No credentials are needed.",
                _responses(
                    {"200": {"description": "This document.", "content": {JSON: {"schema": {}}}}},
                    (),
                ),
                public=True,
            )
        },
        PROFILES: {
            "post": _operation(
                "createProfile",
                "Profiles",
                "Create a profile",
                """Creates a profile with a new id and payment token. `merchantCustomerId` must be
                unused by the merchant's other profiles (409 7505, with an `existing_entity`
                link).

                With a `card` (a number or a `singleUseToken`), the card is vaulted with the
                profile as by POST .../cards (its errors name `card.` fields; a `billingAddressId`
                cannot name an address yet, 400 7511). That answer, like Paysafe's, has no
                `Location` but includes the profile's `addresses` (a single-use token's or
                nested billing address) and `cards` (without `storedCredentialTokenStatus`).""",
                _responses(
                    {
                        "201": _json(
                            "Profile", "The profile as stored.", Location=_LOCATION_UNLESS_CARD
                        )
                    },
                    (
                        *BODY,
                        *AUTH,
                        INVALID_BRAND,
                        errors.BILLING_ADDRESS_NOT_FOUND,
                        errors.CUSTOMER_ID_TAKEN,
                        errors.CONCURRENT_MODIFICATION,
                        *TOKEN_SERVICE,
                    ),
                ),
                body="ProfileRequest",
            ),
            "get": _operation(
                "findProfileByMerchantCustomerId",
                "Profiles",
                "Look a profile up by merchantCustomerId",
                """There is no list endpoint: `merchantCustomerId` is required (400 5068 when
                empty). No match answers 404 5269; several matches (only possible with data that
                predates uniqueness) answer 409 7521 with one `existing_entity` link each.""",
                _responses(
                    {"200": profile},
                    (errors.INVALID_FIELDS, *AUTH, errors.UNKNOWN_ID, errors.CUSTOMER_ID_AMBIGUOUS),
                ),
                parameters=(
                    {
                        "name": "merchantCustomerId",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    },
                    fields,
                ),
            ),
        },
        PROFILE: {
            "parameters": [profile_id],
            "get": _operation(
                "getProfile",
                "Profiles",
                "Get a profile",
                """The profile, with the sub-collections named by `fields` (each an array, `[]`
                when empty; cards inside a profile have no `storedCredentialTokenStatus`).
                Another merchant's profile and a deleted one are unknown (404 5269).""",
                _responses({"200": profile}, (*AUTH, errors.UNKNOWN_ID)),
                parameters=(fields,),
            ),
            "put": _operation(
                "updateProfile",
                "Profiles",
                "Replace a profile",
                """Full replacement of the updatable fields: optional fields left out are
                cleared; `status` is kept when absent. `id` and `paymentToken` never change.
                `merchantCustomerId` may change, to a value unused by the merchant (409 7505).""",
                _responses({"200": profile}, (*BODY, *COMMAND, errors.CUSTOMER_ID_TAKEN)),
                body="ProfileRequest",
            ),
            "delete": _operation(
                "deleteProfile",
                "Profiles",
                "Delete a profile",
                """Hard delete: the payment tokens of all its cards, bank accounts and mandates
                are destroyed in the token service first; afterwards the profile and everything
                on it answer 404 5269, its `merchantCustomerId` is free again, and its data key is
                destroyed, which makes the personal data in every stored and published event
                unreadable (crypto-shredding).""",
                _responses({"200": _DELETED}, (*COMMAND, *TOKEN_SERVICE)),
            ),
        },
        ADDRESSES: {
            "parameters": [profile_id],
            "post": _operation(
                "createAddress",
                "Addresses",
                "Add an address to a profile",
                "Adds an ACTIVE address; `country` and `zip` are required.",
                _responses({"201": _created("Address", "address")}, (*BODY, *COMMAND)),
                body="AddressRequest",
            ),
        },
        ADDRESS: {
            "parameters": [profile_id, address_id],
            "get": _operation(
                "getAddress",
                "Addresses",
                "Get an address",
                "An address of the profile; unknown profile or address ids answer 404 5269.",
                _responses({"200": address}, (*AUTH, errors.UNKNOWN_ID)),
            ),
            "put": _operation(
                "updateAddress",
                "Addresses",
                "Replace an address",
                """Full replacement: optional fields left out are cleared; `status` is kept. Cards
                billed to the address get the new address in the token service too (503 when it
                cannot be reached; the address change itself is saved).""",
                _responses({"200": address}, (*BODY, *COMMAND, *TOKEN_SERVICE)),
                body="AddressRequest",
            ),
            "delete": _operation(
                "deleteAddress",
                "Addresses",
                "Delete an address",
                """Hard delete: the address answers 404 5269 afterwards. Cards and bank accounts
                billed to it lose their `billingAddressId`, and the token service's copy of it.""",
                _responses({"200": _DELETED}, (*COMMAND, *TOKEN_SERVICE)),
            ),
        },
        SEARCH: {
            "get": _operation(
                "searchCustomers",
                "Customer search",
                "Search the merchant's customers (extension)",
                """Not part of the Paysafe API. At least one of `email`, `name` and `phone` is
                required; every criterion given must match. Served from an asynchronous view, so
                it is eventually consistent: a profile written a moment ago may be missing.""",
                _responses(
                    {"200": _json("SearchResult", "The matches.")}, (errors.INVALID_FIELDS, *AUTH)
                ),
                parameters=(
                    _query("email", "E-mail address, exact and case-insensitive."),
                    _query("name", "A part of the full name (first, middle, last), any case."),
                    _query("phone", "Phone or cell phone; only its digits are compared."),
                    {
                        "name": "limit",
                        "in": "query",
                        "description": "The most hits to return.",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                    },
                ),
            )
        },
        **_instrument_paths(),
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


def _components() -> dict[str, Any]:
    _, generated = msgspec.json.schema_components(schemas.SCHEMAS, ref_template=SCHEMA_REF)
    for name, schema in generated.items():
        if "description" in schema:
            schema["description"] = inspect.cleandoc(schema["description"])
        schema.update(schemas.EXTRA_CONSTRAINTS.get(name, {}))
    return {
        "schemas": generated,
        "securitySchemes": schemas.SECURITY_SCHEMES,
        "parameters": schemas.PARAMETERS,
        "headers": schemas.HEADERS,
        "responses": {
            "MethodNotAllowed": _error_response([errors.WRONG_METHOD]),
            "UnknownUrl": _error_response([errors.UNKNOWN_URL]),
        },
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The document, built once. It is shared between callers: do not mutate it."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Customer Vault",
            "version": "1",
            "summary": "Paysafe Customer Vault REST API v1, as implemented by this vault.",
            "description": schemas.DESCRIPTION,
        },
        "tags": [
            {"name": "Monitor"},
            {"name": "Profiles"},
            {"name": "Addresses"},
            {"name": "Cards"},
            {"name": "Bank accounts", "description": "ACH, EFT, BACS and SEPA accounts."},
            {"name": "Mandates", "description": "Direct-debit mandates of BACS and SEPA accounts."},
            {"name": "Single-use tokens"},
            {"name": "Customer search", "description": "An extension; not in the Paysafe API."},
            {"name": "Meta"},
        ],
        "security": [{"basicAuth": []}],
        "paths": _paths(),
        "components": _components(),
    }
