"""The OpenAPI 3.1 description of the vault API, served without authentication at
``/customervault/v1/openapi.json``.

Body schemas are generated from the structs in ``openapi_schemas``; error examples are rendered by
the same ``PaysafeError`` the middleware answers with, so they cannot drift from the real bodies.
Every error status an operation can answer is listed, with its codes in X-Application-Status-Code.
"""

from __future__ import annotations

import inspect
from typing import Any

import msgspec
from aiohttp import web

from infra.outages import DEPENDENCY_UNAVAILABLE
from infra.throttle import TOO_MANY_FAILURES
from service.api import openapi_schemas as schemas
from service.api.errors import Codes, ErrorCode, FieldError, PaysafeError
from service.api.routing import (
    CARD_LINK,
    PATH_VARIABLES,
    SUB_APP,
    Operation,
    Reply,
    routed_operations,
)

JSON = "application/json"
SCHEMA_REF = "#/components/schemas/{name}"
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}

_EXAMPLE_BASE = "https://vault.example.com"
_EXAMPLE_ID = "2e7daaac-49f1-4aae-befb-e9b03a30cbc8"
_EXAMPLE_ID_2 = "0c4bd194-5b1e-4a4e-9d1e-3f1f3b3c2a10"


def _example_error(kind: ErrorCode, profile_url: str) -> dict[str, Any]:
    """The body the API sends for ``kind``, with plausible details."""
    card_url = _EXAMPLE_BASE + CARD_LINK.format(
        card_id=""
    )  # no profile segment (docs/api.md, "Errors")
    details: dict[ErrorCode, PaysafeError] = {
        Codes.INVALID_FIELDS: PaysafeError(
            kind,
            field_errors=[
                FieldError("merchantCustomerId", "size must be between 1 and 100"),
                FieldError("locale", "Invalid Locale"),
            ],
        ),
        Codes.UNKNOWN_ID: PaysafeError(kind, detail=f": {_EXAMPLE_ID}"),
        Codes.CARD_TAKEN: PaysafeError(
            kind,
            detail=f" - {_EXAMPLE_ID}",
            links=[{"rel": "existing_entity", "href": f"{card_url}{_EXAMPLE_ID}"}],
        ),
        Codes.CUSTOMER_ID_TAKEN: PaysafeError(
            kind,
            detail=f" - {_EXAMPLE_ID}",
            links=[{"rel": "existing_entity", "href": f"{profile_url}{_EXAMPLE_ID}"}],
        ),
        Codes.CUSTOMER_ID_AMBIGUOUS: PaysafeError(
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


def _error_response(kinds: list[ErrorCode], profile_url: str) -> dict[str, Any]:
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
    if status in (429, 503):
        headers["Retry-After"] = _ref("headers", "Retry-After")
    return {
        "description": " | ".join(f"{k.code}: {k.message}" for k in kinds),
        "headers": headers,
        "content": {
            JSON: {
                "schema": ERROR_SCHEMA,
                "examples": {
                    k.code: {"summary": k.message, "value": _example_error(k, profile_url)}
                    for k in kinds
                },
            }
        },
    }


_DELETED_HEADERS = {"Content-Length": {"schema": {"type": "integer", "const": 0}}}


def _success(reply: Reply) -> dict[str, Any]:
    if reply.schema is None:
        return {
            "description": reply.description,
            "headers": {**_DELETED_HEADERS, **_COMMON_HEADERS},
        }
    schema = _ref("schemas", reply.schema) if reply.schema else {}
    return {
        "description": reply.description,
        "headers": {**reply.headers, **_COMMON_HEADERS},
        "content": {JSON: {"schema": schema}},
    }


# What any authenticated operation may answer besides its own errors: the authentication itself
# reads the database (503 1099 while it is unavailable) and counts failures (429 5599).
_AUTHENTICATED = (TOO_MANY_FAILURES, DEPENDENCY_UNAVAILABLE)


def _responses(operation: Operation, profile_url: str) -> dict[str, Any]:
    by_status: dict[int, list[ErrorCode]] = {}
    shared = () if operation.security == "public" else _AUTHENTICATED
    for kind in (*operation.errors, *shared, Codes.INTERNAL):
        if kind not in by_status.setdefault(kind.http_status, []):
            by_status[kind.http_status].append(kind)
    failures = {
        str(status): _error_response(by_status[status], profile_url) for status in sorted(by_status)
    }
    return {str(operation.reply.status): _success(operation.reply), **failures}


def _operation(operation: Operation, profile_url: str) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "tags": [operation.tag],
        "summary": operation.summary,
        "description": inspect.cleandoc(operation.description),
        "parameters": [*operation.parameters, _ref("parameters", "X-Request-Id")],
    }
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref("schemas", operation.body.title)}},
        }
    described["responses"] = _responses(operation, profile_url)
    if operation.security == "public":
        described["security"] = []
    elif operation.security != "basicAuth":  # the document's default
        described["security"] = [{operation.security: []}]
    return described


def _paths(app: web.Application, profile_url: str) -> dict[str, Any]:
    """The paths of the routes registered on ``app`` and its sub-applications."""
    paths: dict[str, Any] = {}
    for method, path, _, operation in routed_operations(app):
        item = paths.setdefault(path, {})
        variables = [name for name in PATH_VARIABLES.values() if f"{{{name}}}" in path]
        if variables and "parameters" not in item:
            item["parameters"] = [_ref("parameters", name) for name in variables]
        item[method] = _operation(operation, profile_url)
    return paths


def _schemas(app: web.Application) -> dict[str, Any]:
    """The response shapes' schemas, and those the request bodies' rules state."""
    _, found = msgspec.json.schema_components(schemas.SCHEMAS, ref_template=SCHEMA_REF)
    for schema in found.values():
        if "description" in schema:
            schema["description"] = inspect.cleandoc(schema["description"])
    for *_, operation in routed_operations(app):
        for name, schema in (operation.body.components() if operation.body else {}).items():
            # A shape both read and sent (CardExpiry, DateOfBirth) must be stated alike.
            assert found.setdefault(name, schema) == schema, f"two schemas named {name}"
    return found


def _components(app: web.Application, profile_url: str) -> dict[str, Any]:
    return {
        "schemas": _schemas(app),
        "securitySchemes": schemas.SECURITY_SCHEMES,
        "parameters": schemas.PARAMETERS,
        "headers": schemas.HEADERS,
        "responses": {
            "MethodNotAllowed": _error_response([Codes.WRONG_METHOD], profile_url),
            "UnknownUrl": _error_response([Codes.UNKNOWN_URL], profile_url),
        },
    }


def document(app: web.Application) -> dict[str, Any]:
    """The document of the routes registered on ``app`` (see ``service.api.routing``)."""
    profile = app[SUB_APP].router["profile"].url_for(pid="", _="")  # …/profiles/
    profile_url = f"{_EXAMPLE_BASE}{profile}"
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
        "paths": _paths(app, profile_url),
        "components": _components(app, profile_url),
    }
