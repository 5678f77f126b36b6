"""The token service's part of the authorization matrix (see test_authorization_matrix.py): every
route the router serves by {no credentials, wrong credentials, a client of each scope bound to A,
clients of all scopes bound to A, bound to B, bound to all merchants}, on merchant A's records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from service.tokens.app import ROUTE_TABLE, create_app
from service.tokens.clients import SCOPES, create_client
from service.tokens.process import keyring_from
from service.tokens.routes import Route
from service.tokens.settings import TokenServiceSettings
from tests.conftest import serve
from tests.security.test_authorization_matrix import EXPIRY, Http

TOKENS = "/tokens/v1"
CARD = {"cardNum": "4111111111111111", "cardExpiry": EXPIRY}


@dataclass(frozen=True)
class Client:
    scopes: tuple[str, ...]
    bound: str  # "A", "B" or "*"


TOKEN_CALLERS: dict[str, Client | None] = {
    "none": None,
    "wrong": None,
    **{f"{scope} only, bound to A": Client((scope,), "A") for scope in SCOPES if scope != "keys"},
    "keys only, all merchants": Client(("keys",), "*"),
    "all scopes, bound to A": Client(SCOPES, "A"),
    "all scopes, bound to B": Client(SCOPES, "B"),
    "all scopes, all merchants": Client(SCOPES, "*"),
}


def _token_expected(route: Route, caller: str) -> tuple[int, str | None]:
    if route.scope is None:
        return route.status, None
    client = TOKEN_CALLERS[caller]
    if client is None:
        return 401, "5280" if caller == "none" else "5279"
    if route.scope not in client.scopes:
        return 403, "5270"
    if route.path == f"{TOKENS}/keys":  # counts every merchant's records: platform-wide only
        return (route.status, None) if client.bound == "*" else (403, "5270")
    if client.bound == "B":
        if route.path == f"{TOKENS}/audit":  # a ledger names its merchant: not a token oracle
            return 403, "5270"
        return 404, "5500"  # A's records are refused like unknown ones
    return route.status, None


async def test_every_token_service_route_answers_each_client_as_stated(
    token_settings: TokenServiceSettings, pool: asyncpg.Pool
) -> None:
    app = create_app(token_settings, keyring_from(token_settings))
    routes = {(r.method, r.path): r for r in ROUTE_TABLE}
    # Every route the router serves is declared (and so gets its cells), and nothing else is.
    served = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
    assert served == set(routes)
    runner, url = await serve(app)
    a, b = uuid.uuid4(), uuid.uuid4()
    credentials: dict[str, tuple[str, str] | None] = {"none": None, "wrong": ("tsc-nobody", "T-x")}
    for name, client in TOKEN_CALLERS.items():
        if client is not None:
            merchants = {"A": [a], "B": [b], "*": []}[client.bound]
            issued = await create_client(
                pool, name, client.scopes, merchants=merchants, all_merchants=not merchants
            )
            credentials[name] = (issued.client_id, issued.secret)
    platform = credentials["all scopes, all merchants"]
    try:
        async with aiohttp.ClientSession() as session:
            http = Http(url, session)

            async def token(**extra: Any) -> str:
                body = {"merchantId": str(a), "kind": "card", "instrument": CARD, **extra}
                made = await http.send("post", f"{TOKENS}/instruments", platform, body)
                assert made.status == 201, made.body
                return str(made.body["token"])

            async def request(route: Route) -> tuple[str, Any, dict[str, str] | None]:
                """The path, body and query of a valid call on a record of A's."""
                merchant = {"merchantId": str(a)}
                if route.path.endswith("/redeem"):
                    sut = await token(instrument={**CARD, "cvv": "123"}, singleUse=True)
                    return route.path.replace("{token}", sut), merchant, None
                path = (
                    route.path.replace("{token}", await token())
                    if "{token}" in route.path
                    else route.path
                )
                if route.method == "DELETE":
                    return path, None, merchant
                if route.request is None:
                    # GETs that name a merchant (the access ledger, the reconciliation listing)
                    return path, None, merchant if "merchantId" in route.query else None
                bodies: dict[str, Any] = {
                    f"{TOKENS}/instruments": {
                        "merchantId": str(a),
                        "kind": "card",
                        "instrument": CARD,
                    },
                    f"{TOKENS}/instruments/{{token}}": {**merchant, "status": "ACTIVE"},
                    f"{TOKENS}/network-updates": {
                        **merchant,
                        "effectiveAt": "2030-01-01T00:00:00Z",
                        "paymentToken": await token(),
                        "cardExpiry": {"month": 1, "year": 2031},
                    },
                    f"{TOKENS}/resolve": {
                        **merchant,
                        "paymentToken": await token(),
                        "purpose": "authorization matrix",
                    },
                }
                assert route.path in bodies, f"no body for {route.method} {route.path}: add one"
                return path, bodies[route.path], None

            failures, cells = [], 0
            for route in ROUTE_TABLE:
                for caller in TOKEN_CALLERS:
                    path, body, query = await request(route)
                    answer = await http.send(route.method, path, credentials[caller], body, query)
                    expected = _token_expected(route, caller)
                    cells += 1
                    if (answer.status, answer.code) != expected:
                        failures.append(
                            f"{route.method} {route.path} by {caller}: {answer.status} "
                            f"{answer.code} {answer.body}, not {expected}"
                        )
            assert failures == [], "\n".join(failures)
            assert cells == len(ROUTE_TABLE) * len(TOKEN_CALLERS) >= 10 * 8
    finally:
        await runner.cleanup()
