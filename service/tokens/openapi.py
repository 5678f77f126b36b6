"""The token service's OpenAPI 3.1 document (served at /tokens/v1/openapi.json), generated from the
route table (``service/tokens/routes.py``) and the wire contract's structs
(``service/tokens/contract.py``): a route cannot exist undocumented, nor a body differ from its
description."""

from __future__ import annotations

from typing import Any

import msgspec

from service.tokens import contract
from service.tokens.routes import Route

_ERRORS = {
    "400": "5068: invalid body (fieldErrors); 5023: not parseable",
    "401": "5279/5280: missing or invalid client credentials",
    "403": "5270: the client lacks the scope",
    "404": "5500 (card tokens) / 5502 (bank and mandate tokens): not usable by this merchant "
    "through this client",
    "500": "1000: internal error (includes a record that failed to decrypt)",
}
_REF = "#/components/schemas/{name}"


def _json(struct: type) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(name=struct.__name__)}}}


def _operation(route: Route) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if route.response is not None:
        ok["content"] = _json(route.response)
    codes = ("401", "403", *route.errors, "500")
    op: dict[str, Any] = {
        "summary": route.summary,
        "description": f"Scope `{route.scope}`.",
        "security": [{"basic": []}],
        "responses": {
            str(route.status): ok,
            **{c: {"description": _ERRORS[c], "content": _json(contract.Error)} for c in codes},
        },
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in route.path_parameters()
    ] + [
        {
            "name": name,
            "in": "query",
            # The merchant is every route's one required parameter; the others narrow a listing.
            "required": name == "merchantId" and name not in route.optional_query,
            "schema": schema,
        }
        for name, schema in route.query.items()
    ]
    if parameters:
        op["parameters"] = parameters
    if route.request is not None:
        op["requestBody"] = {"required": True, "content": _json(route.request)}
    return op


def openapi_document(routes: list[Route]) -> dict[str, Any]:
    documented = [r for r in routes if r.scope is not None]
    structs = {contract.Error, *contract.INSTRUMENTS.values()}
    structs |= {s for r in documented for s in (r.request, r.response) if s is not None}
    _, schemas = msgspec.json.schema_components(
        sorted(structs, key=lambda s: s.__name__), ref_template=_REF
    )
    for name, extra in contract.SCHEMA_EXTRAS.items():
        if name in schemas:
            schemas[name] = {**schemas[name], **extra}
    paths: dict[str, dict[str, Any]] = {}
    for route in documented:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Customer Vault token service (internal)",
            "version": "1.0.0",
            "description": "The only holder of raw card and bank numbers. See docs/token-service.md.",
        },
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
            "schemas": schemas,
        },
        "paths": paths,
    }
