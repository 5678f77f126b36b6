"""The token service's routes, declared once: the app registers them and the OpenAPI document is
generated from them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from service.tokens import errors

PREFIX = "/tokens/v1"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str = ""
    scope: str | None = None  # None: not an operation of the API (the document itself)
    status: int = 200
    request: type | None = None
    response: type | None = None
    errors: tuple[str, ...] = ()
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    optional_query: frozenset[str] = frozenset()

    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def register(app: web.Application, routes: list[Route]) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, _strict_query(route))


def _strict_query(route: Route) -> Handler:
    """A query parameter the route does not declare is refused (5068), not ignored: the internal
    API accepts exactly what its document says, so a misspelt parameter never passes silently."""
    declared = frozenset(route.query)

    async def handler(request: web.Request) -> web.StreamResponse:
        if not declared.issuperset(request.query.keys()):
            raise errors.invalid([errors.FieldError("query", "holds an undocumented parameter")])
        return await route.handler(request)

    return handler
