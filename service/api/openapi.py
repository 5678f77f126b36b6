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
from service.api.errors import ErrorCode, FieldError, PaysafeError

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

_EXAMPLE_BASE = "https://vault.example.com"
_EXAMPLE_ID = "2e7daaac-49f1-4aae-befb-e9b03a30cbc8"
_EXAMPLE_ID_2 = "0c4bd194-5b1e-4a4e-9d1e-3f1f3b3c2a10"


def _example_error(kind: ErrorCode) -> dict[str, Any]:
    """The body the API sends for ``kind``, with plausible details."""
    profile_url = f"{_EXAMPLE_BASE}{PROFILES}/"
    details: dict[ErrorCode, PaysafeError] = {
        errors.INVALID_FIELDS: PaysafeError(
            kind,
            field_errors=[
                FieldError("merchantCustomerId", "size must be between 1 and 100"),
                FieldError("locale", "Invalid Locale"),
            ],
        ),
        errors.UNKNOWN_ID: PaysafeError(kind, detail=f": {_EXAMPLE_ID}"),
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
    return operation


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
                link). A `card` in the body is refused (400 5068).""",
                _responses(
                    {"201": _created("Profile", "profile")},
                    (*BODY, *AUTH, errors.CUSTOMER_ID_TAKEN, errors.CONCURRENT_MODIFICATION),
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
                """The profile, with the sub-collections named by `fields` (only `addresses` is
                served; the other names are accepted and ignored). Another merchant's profile and
                a deleted one are unknown (404 5269).""",
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
                """Hard delete: afterwards the profile and its addresses answer 404 5269, its
                `merchantCustomerId` is free again, and its data key is destroyed, which makes the
                personal data in every stored and published event unreadable (crypto-shredding).""",
                _responses({"200": _DELETED}, COMMAND),
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
                "Full replacement: optional fields left out are cleared; `status` is kept.",
                _responses({"200": address}, (*BODY, *COMMAND)),
                body="AddressRequest",
            ),
            "delete": _operation(
                "deleteAddress",
                "Addresses",
                "Delete an address",
                "Hard delete: the address answers 404 5269 afterwards.",
                _responses({"200": _DELETED}, COMMAND),
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
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


def _components() -> dict[str, Any]:
    _, generated = msgspec.json.schema_components(schemas.SCHEMAS, ref_template=SCHEMA_REF)
    for schema in generated.values():
        if "description" in schema:
            schema["description"] = inspect.cleandoc(schema["description"])
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
            {"name": "Customer search", "description": "An extension; not in the Paysafe API."},
            {"name": "Meta"},
        ],
        "security": [{"basicAuth": []}],
        "paths": _paths(),
        "components": _components(),
    }
