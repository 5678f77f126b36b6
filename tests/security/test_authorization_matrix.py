"""The authorization matrix over every route of both services, over real HTTP.

Vault API (this file): every route by {merchant A's server key, merchant B's server key on A's resources, A's
single-use-token key, no credentials, wrong credentials}. Token service (test_authorization_matrix_tokens.py): every route by {no
credentials, wrong credentials, a client of each scope, clients of all scopes bound to A, bound to
B, and bound to all merchants}, each on merchant A's records. Each cell states its status and code.

The routes are read from the routers of the running applications, and each route's expectation
follows from what it declares (its security or scope, its path variables, its success status): a
new route gets its cells without anyone listing it. Only a request body is per route, and a route
with a body but no entry in ``BODIES`` fails the test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from service.api.auth import IssuedKey, create_merchant, issue_api_key
from service.api.routes import route_tree
from service.api.routing import Operation, routed_operations

V1 = "/customervault/v1"
WRONG = ("key-0000000000000000", "B-" + "x" * 43)


def _luhn(prefix: str) -> str:
    body = prefix + str(uuid.uuid4().int)[: 15 - len(prefix)]
    for digit in "0123456789":
        digits = [int(d) for d in body + digit][::-1]
        total = sum(d if i % 2 == 0 else sum(divmod(2 * d, 10)) for i, d in enumerate(digits))
        if total % 10 == 0:
            return body + digit
    raise AssertionError("unreachable")


ACCOUNTS: dict[str, dict[str, Any]] = {
    "ach": {
        "accountHolderName": "XYZ Business",
        "accountNumber": "9876543",
        "routingNumber": "123456789",
        "accountType": "CHECKING",
    },
    "eft": {
        "accountHolderName": "XYZ Business",
        "accountNumber": "7654321",
        "transitNumber": "25039",
        "institutionId": "001",
    },
    "bacs": {"accountHolderName": "Jane Doe", "accountNumber": "55779911", "sortCode": "207405"},
    "sepa": {"accountHolderName": "Jane Doe", "iban": "DE89370400440532013000", "bic": "ABNANL2A"},
}
EXPIRY = {"month": 12, "year": 2045}


@dataclass
class Resources:
    """Merchant A's profile and one of each of its sub-resources."""

    customer_id: str
    email: str
    ids: dict[str, str]  # path variable (bank accounts and mandates: per kind) → id
    address: str

    def fill(self, path: str) -> str:
        kind = re.search(r"/(ach|eft|bacs|sepa)bankaccounts/", path)

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "bankAccountId":
                assert kind is not None, path
                return self.ids[f"{kind.group(1)}BankAccountId"]
            return self.ids[name]

        return re.sub(r"\{(\w+)\}", value, path)


def _bodies(a: Resources) -> dict[tuple[str, str], Callable[[], Any]]:
    """A valid body per route (fresh values per call where uniqueness matters)."""
    bodies: dict[tuple[str, str], Callable[[], Any]] = {
        ("post", f"{V1}/profiles"): lambda: {
            "merchantCustomerId": f"m-{uuid.uuid4()}",
            "locale": "en_US",
        },
        ("put", f"{V1}/profiles/{{profileId}}"): lambda: {
            "merchantCustomerId": a.customer_id,
            "locale": "en_US",
            "email": a.email,
        },
        ("post", f"{V1}/profiles/{{profileId}}/addresses"): lambda: {"country": "GB", "zip": "1"},
        ("put", f"{V1}/profiles/{{profileId}}/addresses/{{addressId}}"): lambda: {
            "country": "GB",
            "zip": "SW1A 1AA",
        },
        ("post", f"{V1}/profiles/{{profileId}}/cards"): lambda: {
            "cardNum": _luhn("4"),
            "cardExpiry": EXPIRY,
        },
        ("put", f"{V1}/profiles/{{profileId}}/cards/{{cardId}}"): lambda: {"cardExpiry": EXPIRY},
        ("put", f"{V1}/profiles/{{profileId}}/mandates/{{mandateId}}"): lambda: {
            "status": "PENDING"
        },
        ("post", f"{V1}/singleusetokens"): lambda: {
            "card": {"cardNum": _luhn("55"), "cardExpiry": EXPIRY}
        },
    }
    for kind, fields in ACCOUNTS.items():
        base = f"{V1}/profiles/{{profileId}}/{kind}bankaccounts"
        account = {**fields, "billingAddressId": a.address}
        bodies[("post", base)] = lambda account=account: account  # type: ignore[misc]
        bodies[("put", f"{base}/{{bankAccountId}}")] = lambda account=account: account  # type: ignore[misc]
        bodies[("post", f"{base}/{{bankAccountId}}/mandates")] = lambda: {"reference": "SUB1"}
    return bodies


def _queries(a: Resources) -> dict[tuple[str, str], dict[str, str]]:
    return {
        ("get", f"{V1}/profiles"): {"merchantCustomerId": a.customer_id},
        ("get", f"{V1}/customersearch"): {"email": a.email},
    }


@dataclass
class Answer:
    status: int
    code: str | None
    body: Any


class Http:
    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def send(
        self,
        method: str,
        path: str,
        credentials: tuple[str, str] | None,
        body: Any = None,
        query: dict[str, str] | None = None,
    ) -> Answer:
        headers = {"Authorization": aiohttp.encode_basic_auth(*credentials)} if credentials else {}
        async with self.session.request(
            method.upper(), self.url + path, json=body, params=query, headers=headers
        ) as response:
            text = await response.text()
            parsed = None
            if response.content_type == "application/json" and text:
                parsed = await response.json()
            return Answer(
                response.status, response.headers.get("X-Application-Status-Code"), parsed
            )


async def _merchant_a(http: Http, key: IssuedKey) -> Resources:
    creds = (key.key_id, key.secret)
    customer_id, email = f"a-{uuid.uuid4()}", f"{uuid.uuid4().hex[:12]}@a.example"
    profile = await http.send(
        "post",
        f"{V1}/profiles",
        creds,
        {"merchantCustomerId": customer_id, "locale": "en_US", "email": email},
    )
    assert profile.status == 201, profile.body
    pid = profile.body["id"]
    base = f"{V1}/profiles/{pid}"
    address = await http.send("post", f"{base}/addresses", creds, {"country": "GB", "zip": "1"})
    ids = {"profileId": pid, "addressId": address.body["id"]}
    card = await http.send(
        "post", f"{base}/cards", creds, {"cardNum": _luhn("4"), "cardExpiry": EXPIRY}
    )
    assert card.status == 201, card.body
    ids["cardId"] = card.body["id"]
    for kind, fields in ACCOUNTS.items():
        account = await http.send(
            "post",
            f"{base}/{kind}bankaccounts",
            creds,
            {**fields, "billingAddressId": ids["addressId"]},
        )
        assert account.status == 201, account.body
        ids[f"{kind}BankAccountId"] = account.body["id"]
    mandate = await http.send(
        "post",
        f"{base}/sepabankaccounts/{ids['sepaBankAccountId']}/mandates",
        creds,
        {"reference": "SUB0"},
    )
    assert mandate.status == 201, mandate.body
    ids["mandateId"] = mandate.body["id"]
    return Resources(customer_id, email, ids, ids["addressId"])


@dataclass(frozen=True)
class Cell:
    method: str
    path: str  # as documented
    caller: str


def _vault_expected(cell: Cell, operation: Operation) -> tuple[int, str | None]:
    """(status, code) the cell must answer; code None: a success."""
    if operation.security == "public":
        return operation.reply.status, None
    if cell.caller == "none":
        return 401, "5280"
    if cell.caller == "wrong":
        return 401, "5279"
    single_use_route = operation.security == "singleUseTokenAuth"
    if (cell.caller == "A single-use key") != single_use_route:
        return 403, "5270"
    # A's ids, or A's customer id, are unknown to B; B's own creations are its own.
    if cell.caller == "B" and (
        "{" in cell.path or (cell.path == f"{V1}/profiles" and cell.method == "get")
    ):
        return 404, "5269"
    return operation.reply.status, None


def _vault_routes() -> Iterator[tuple[str, str, Operation]]:
    for method, path, _, operation in routed_operations(route_tree()):
        yield method, path, operation


_DEPTH = ("mandates", "bankaccounts", "cards", "addresses", "profiles")


def _deletion_order(path: str) -> int:
    return next(i for i, part in enumerate(_DEPTH) if part in path.rsplit("/", 2)[-2])


async def test_every_vault_route_answers_each_caller_as_stated(
    api_url: str, pool: asyncpg.Pool
) -> None:
    merchant_a = await create_merchant(pool, f"matrix-a-{uuid.uuid4()}")
    key_a = await issue_api_key(pool, merchant_a, "server")
    single_use_a = await issue_api_key(pool, merchant_a, "single_use")
    key_b = await issue_api_key(
        pool, await create_merchant(pool, f"matrix-b-{uuid.uuid4()}"), "server"
    )
    callers: dict[str, tuple[str, str] | None] = {
        "B": (key_b.key_id, key_b.secret),
        "A single-use key": (single_use_a.key_id, single_use_a.secret),
        "none": None,
        "wrong": WRONG,
        "A": (key_a.key_id, key_a.secret),  # last: its DELETEs remove what the others probe
    }
    async with aiohttp.ClientSession() as session:
        http = Http(api_url, session)
        a = await _merchant_a(http, key_a)
        bodies, queries = _bodies(a), _queries(a)
        routes = list(_vault_routes())
        assert len(routes) >= 38
        # A's deletes run last, children before parents.
        ordered = sorted(
            ((caller, route) for caller in callers for route in routes),
            key=lambda item: (
                item[0] == "A" and item[1][0] == "delete",
                _deletion_order(item[1][1]) if item[1][0] == "delete" else 0,
            ),
        )
        failures = []
        for caller, (method, path, operation) in ordered:
            cell = Cell(method, path, caller)
            body = None
            if operation.body is not None:
                assert (method, path) in bodies, f"no body for {method} {path}: add one"
                body = bodies[(method, path)]()
            answer = await http.send(
                method, a.fill(path), callers[caller], body, queries.get((method, path))
            )
            expected = _vault_expected(cell, operation)
            if (answer.status, answer.code) != expected:
                failures.append(
                    f"{cell}: {answer.status} {answer.code} {answer.body}, not {expected}"
                )
            found = answer.body.get("profiles") if isinstance(answer.body, dict) else None
            if caller == "B" and path == f"{V1}/customersearch" and found:
                failures.append(f"{cell}: B found A's profiles {answer.body}")
        assert failures == [], "\n".join(failures)
