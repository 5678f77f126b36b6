"""The token service's routes, declared once: the app registers them and the OpenAPI document is
generated from them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

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

    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def register(app: web.Application, routes: list[Route]) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
