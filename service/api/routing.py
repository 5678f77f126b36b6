"""Routes declared once, with what the OpenAPI document says about them.

A ``Resource`` is one path (named, for ``url_for``) and its ``Operation`` per method. ``register``
adds them to an aiohttp application and keeps the operations beside the router, where the
authentication middleware and ``service.api.openapi`` (which walks the registered routes, like
starlette's ``SchemaGenerator.get_endpoints``) read them. A route therefore cannot exist
undocumented, and the document cannot describe a route the router does not have.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aiohttp import web

from infra.errors import ErrorCode
from service.api.errors import Codes
from service.api.validation import Body

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Security = Literal["basicAuth", "singleUseTokenAuth", "public"]

SLASH = "{_:/?}"  # every SDK-built path works with and without a trailing slash
V1 = "/customervault/v1"
# Paysafe's link to a card that is already on a profile omits the profile segment: not a route.
CARD_LINK = V1 + "/cards/{card_id}"
# The handlers' short path variables, and the names the document gives them.
PATH_VARIABLES = {
    "pid": "profileId",
    "aid": "addressId",
    "cid": "cardId",
    "bid": "bankAccountId",
    "mid": "mandateId",
}
_FIXED = re.compile(r"\{(\w+):(\w+)\}")  # {kind:ach}: one resource per bank kind
LOCATION: dict[str, Any] = {"$ref": "#/components/headers/Location"}


@dataclass(frozen=True, kw_only=True)
class Reply:
    """The success answer: its status, body schema (a component name; ``""`` any JSON; None no
    body, as Paysafe answers a DELETE) and headers beside the common ones."""

    status: int = 200
    schema: str | None
    description: str
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Operation:
    handler: Handler
    operation_id: str
    tag: str
    summary: str
    description: str
    reply: Reply
    errors: tuple[ErrorCode, ...]
    body: Body | None = None  # the rules that read the request body, and document it
    parameters: tuple[dict[str, Any], ...] = ()
    security: Security = "basicAuth"


@dataclass(frozen=True)
class Resource:
    name: str
    path: str  # below the application's prefix, without the trailing-slash variable
    operations: dict[str, Operation]
    slash: bool = True  # whether a trailing '/' is tolerated

    def documented_path(self, prefix: str) -> str:
        path = _FIXED.sub(r"\2", f"{prefix}{self.path}")
        for short, name in PATH_VARIABLES.items():
            path = path.replace(f"{{{short}}}", f"{{{name}}}")
        return path


OPERATIONS = web.AppKey("operations", dict)
"""resource name → its Resource, for the routes of one application."""
PREFIX = web.AppKey("prefix", str)


def register(app: web.Application, resources: tuple[Resource, ...], prefix: str = "") -> None:
    """Add ``resources`` to ``app`` (mounted at ``prefix``)."""
    app[PREFIX] = prefix
    app[OPERATIONS] = {}
    for resource in resources:
        assert resource.name not in app[OPERATIONS], resource.name
        app[OPERATIONS][resource.name] = resource
        path = resource.path + (SLASH if resource.slash else "")
        added = app.router.add_resource(path, name=resource.name)
        for method, operation in resource.operations.items():
            added.add_route(method.upper(), operation.handler)


def routed_operations(app: web.Application) -> Iterator[tuple[str, str, Resource, Operation]]:
    """(method, documented path, resource, operation) of every route of ``app`` and its
    sub-applications, in registration order."""
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:  # a sub-application
            yield from routed_operations(info["app"])
            continue
        declared: Resource = app[OPERATIONS][resource.name]
        for route in resource:
            method = route.method.lower()
            path = declared.documented_path(app[PREFIX])
            yield method, path, declared, declared.operations[method]


def security_of(request: web.Request) -> Security | None:
    """The key kind the request's operation asks for. A method the resource lacks (405) takes
    its resource's; an unknown URL has none."""
    resource = request.match_info.route.resource
    method = request.method.lower()
    if resource is None:  # not routed: find the resource whose path matched, if any
        path = request.path
        resource = next(
            (r for r in request.app.router.resources() if _matches(r.get_info(), path)), None
        )
    declared: Resource | None = (
        None if resource is None else request.app[OPERATIONS].get(resource.name)
    )
    if declared is None:
        return None
    operation = declared.operations.get(method) or next(iter(declared.operations.values()))
    return operation.security


def _matches(info: Mapping[str, Any], path: str) -> bool:
    pattern = info.get("pattern")
    return bool(pattern.fullmatch(path)) if pattern is not None else info.get("path") == path


SUB_APP = web.AppKey("v1_app", web.Application)
PUBLIC_BASE_URL = web.AppKey("public_base_url", str)


def public_url(request: web.Request, path: str) -> str:
    """VAULT_PUBLIC_BASE_URL + path, or the bare path (a relative reference): never built from the
    Host header, which the client chooses (``Host: evil.example/x?`` made the Location point away)."""
    return f"{request.config_dict[PUBLIC_BASE_URL]}{path}"


def url_for(request: web.Request, name: str, **parts: object) -> str:
    """The URL of resource ``name`` of the /customervault/v1 application (see ``public_url``)."""
    app = request.config_dict[SUB_APP]
    fixed = dict(_FIXED.findall(app[OPERATIONS][name].path))  # e.g. {kind:ach}
    variables = {**fixed, **{k: str(v) for k, v in parts.items()}, "_": ""}
    return public_url(request, str(app.router[name].url_for(**variables)))


def parameter(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/parameters/{name}"}


# Errors many operations share.
AUTH = (Codes.MISSING_CREDENTIALS, Codes.INVALID_CREDENTIALS, Codes.NO_PERMISSION)
BODY = (
    Codes.INVALID_FIELDS,
    Codes.NOT_PARSEABLE,
    Codes.TOO_LARGE,
    Codes.UNSUPPORTED_CONTENT_TYPE,
)
COMMAND = (*AUTH, Codes.UNKNOWN_ID, Codes.CONCURRENT_MODIFICATION)
READ = (*AUTH, Codes.UNKNOWN_ID)
# Operations that call the token service answer 503 1000 when it is unavailable.
TOKEN_SERVICE = (Codes.UNAVAILABLE,)
DELETED = Reply(
    schema=None,
    description="Deleted. The body is empty (Content-Length: 0), as Paysafe's SDKs expect.",
)


def reading(
    handler: Handler, operation_id: str, tag: str, summary: str, text: str, reply: Reply
) -> Operation:
    """A GET of one resource by its ids."""
    return Operation(
        handler=handler,
        operation_id=operation_id,
        tag=tag,
        summary=summary,
        description=text,
        reply=reply,
        errors=READ,
    )


def deleting(handler: Handler, operation_id: str, tag: str, summary: str, text: str) -> Operation:
    """A DELETE: its tokens go in the token service first, then the resource; an empty 200."""
    read_like = reading(handler, operation_id, tag, summary, text, DELETED)
    return replace(read_like, errors=(*COMMAND, *TOKEN_SERVICE))


def created(schema: str, what: str) -> Reply:
    return Reply(
        status=201,
        schema=schema,
        description=f"The {what} as stored.",
        headers={"Location": LOCATION},
    )
