"""The route tree: the /customervault/v1 application authenticates every request that reaches it
(by the key kind its operation declares), the rest of the tree does not, and Location-style URLs
come from the named resources on the public base URL (relative without one)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import cast

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from service.api import routes, routing
from service.api.auth import Authenticator, KeyKind, Principal
from service.api.middleware import AUTHENTICATOR, request_context

SERVER = ("key-server", "B-server")
SINGLE_USE = ("sut-device", "B-device")


class _Keys:
    """Two known keys, one of each kind."""

    trusted_proxies = ""

    async def authenticate(self, key_id: str, secret: str, source: str = "") -> Principal | None:
        kinds: dict[tuple[str, str], KeyKind] = {SERVER: "server", SINGLE_USE: "single_use"}
        kind = kinds.get((key_id, secret))
        return None if kind is None else Principal(uuid.uuid4(), key_id, kind)


async def _keys(app: web.Application) -> AsyncIterator[None]:
    app[AUTHENTICATOR] = cast(Authenticator, _Keys())
    yield


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application(middlewares=[request_context])
    app[routing.PUBLIC_BASE_URL] = ""
    async with TestClient(TestServer(routes.route_tree(app, v1_context=_keys))) as test_client:
        yield test_client


async def _code(
    client: TestClient[web.Request, web.Application],
    method: str,
    path: str,
    key: tuple[str, str] | None = None,
) -> tuple[int, str | None]:
    headers = {} if key is None else {"Authorization": aiohttp.encode_basic_auth(*key)}
    async with client.request(method, path, headers=headers, json={}) as response:
        return response.status, response.headers.get("X-Application-Status-Code")


@pytest.mark.parametrize(
    ("method", "path", "key", "expected"),
    [
        # No credentials: every path of the v1 application, routed or not, asks for them.
        ("GET", "/customervault/v1/profiles?merchantCustomerId=x", None, (401, "5280")),
        ("GET", "/customervault/v1/nothing-here", None, (401, "5280")),
        ("PATCH", "/customervault/v1/profiles", None, (401, "5280")),
        ("POST", "/customervault/v1/singleusetokens", ("key-server", "wrong"), (401, "5279")),
        # The key kinds reach only their own operations.
        ("POST", "/customervault/v1/singleusetokens", SERVER, (403, "5270")),
        ("POST", "/customervault/v1/singleusetokens/", SERVER, (403, "5270")),
        ("GET", "/customervault/v1/profiles?merchantCustomerId=x", SINGLE_USE, (403, "5270")),
        ("GET", "/customervault/v1/nothing-here", SINGLE_USE, (403, "5270")),
        # A method an endpoint lacks: the endpoint's key kind still decides first.
        ("GET", "/customervault/v1/singleusetokens", SERVER, (403, "5270")),
        ("GET", "/customervault/v1/singleusetokens/", SINGLE_USE, (405, "5281")),
        ("PATCH", "/customervault/v1/profiles", SINGLE_USE, (403, "5270")),
        # Past authentication, the router answers.
        ("GET", "/customervault/v1/nothing-here", SERVER, (404, "5273")),
        ("PATCH", "/customervault/v1/profiles", SERVER, (405, "5281")),
        ("GET", "/customervault/v1/profiles/not-a-uuid", SERVER, (404, "5269")),
        # Outside the v1 application nothing is authenticated.
        ("GET", "/customervault/monitor", None, (200, None)),
        ("GET", "/customervault/monitor/", None, (200, None)),
        ("GET", "/customervault/v1/openapi.json", None, (200, None)),
        ("GET", "/elsewhere", None, (404, "5273")),
    ],
)
async def test_authentication_belongs_to_the_v1_application(
    client: TestClient[web.Request, web.Application],
    method: str,
    path: str,
    key: tuple[str, str] | None,
    expected: tuple[int, str | None],
) -> None:
    assert await _code(client, method, path, key) == expected


def test_url_for_names_resources_on_the_public_base_url_never_the_host_header() -> None:
    tree = routes.route_tree()
    # No public base URL: a relative reference, whatever Host the client sent.
    for base in ("", "https://pay.example"):
        request = _request(tree, base)
        pid, cid = uuid.uuid4(), uuid.uuid4()
        url = routing.url_for(request, "card", pid=pid, cid=cid)
        assert url == f"{base}/customervault/v1/profiles/{pid}/cards/{cid}"
        assert "vault.test" not in url
        account = routing.url_for(request, "sepabankaccount", pid=pid, bid=cid)
        assert account.endswith(f"/customervault/v1/profiles/{pid}/sepabankaccounts/{cid}")


def _request(tree: web.Application, base: str) -> web.Request:
    tree[routing.PUBLIC_BASE_URL] = base
    request = make_mocked_request("GET", "/", headers={"Host": "vault.test:8080"}, app=tree)
    return request


def test_every_resource_name_and_path_is_declared_once() -> None:
    tree = routes.route_tree()
    documented = [(method, path) for method, path, *_ in routing.routed_operations(tree)]
    assert len(documented) == len(set(documented))
    names = [r.name for r in routes.V1_RESOURCES]
    assert len(names) == len(set(names))
