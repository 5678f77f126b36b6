"""The OpenAPI document: valid OpenAPI 3.1, complete for the routes the app registers, and true to
the code (wire rules, the documents the API renders, the errors the middleware sends)."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import inspect
import json
import pkgutil
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, cast

import jsonschema
import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate as validate_openapi

import service.api
from devstack import openapi_diff
from events.crypto import Keyring
from events.types import (
    AddressPersonal,
    CardPersonal,
    DateOfBirth,
    ProfileCreated,
    ProfilePersonal,
)
from projections import customer_search
from projections.documents import (
    ADDRESS_KEY_ORDER,
    BANK_ACCOUNT_KEY_ORDER,
    CARD_EXPIRY_KEY_ORDER,
    CARD_KEY_ORDER,
    MANDATE_KEY_ORDER,
    PROFILE_KEY_ORDER,
    bank_account_document,
    card_document,
    mandate_document,
)
from projections.rows import EventContext
from service.adapters.token_service import Tokenized
from service.api import app as vault_app
from service.api import (
    errors,
    instrument_wire,
    middleware,
    routes,
    routing,
    single_use,
    views,
    wire,
)
from service.api.auth import Principal
from service.api.cards import render_card
from service.api.context import CARDS
from service.api.errors import PaysafeError
from service.api.instrument_wire import BANK_KINDS
from service.api.profiles import render_address, render_profile
from service.api.routes import openapi_document
from service.api.validation import Choice, Flag, Integer, Text
from service.application.cards import Cards
from service.application.ports import TokenService
from service.application.profiles import ProfileCommands
from service.application.repository import ProfileRepository
from service.domain import instruments, numbers, state
from service.domain import profile as aggregate
from service.settings import Settings
from tests.builders import card_added
from tests.memory import InMemoryProfileStore

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DOC = openapi_document()
SCHEMAS = DOC["components"]["schemas"]
ERROR_REF = {"$ref": "#/components/schemas/Error"}
OPENAPI_PATH = "/customervault/v1/openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PERSONAL = ProfilePersonal(
    merchant_customer_id="cust-42",
    first_name="Ada",
    middle_name="M",
    last_name="Lovelace",
    date_of_birth=DateOfBirth(year=1990, month=12, day=10),
    ip="2001:db8::1",
    gender="F",
    nationality="British",
    email="ada@example.com",
    phone="+44 20 7946 0000",
    cell_phone="07700 900000",
)
ADDRESS = aggregate.Address(
    address_id=uuid.uuid4(),
    status="ACTIVE",
    country="CA",
    default_shipping_address_indicator=True,
    personal=AddressPersonal(
        nick_name="home",
        street="100 Queen Street West",
        street2="Unit 201",
        city="Toronto",
        state="ON",
        zip="M5H 2N2",
        recipient_name="Jane Doe",
        phone="647-788-3901",
    ),
)


def _validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one component schema, with the other components resolvable."""
    root = {"$ref": f"#/components/schemas/{name}", "components": DOC["components"]}
    return jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = DOC
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return _resolve(target)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in DOC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _parameters(path: str, operation: dict[str, Any]) -> list[dict[str, Any]]:
    shared = DOC["paths"][path].get("parameters", [])
    return [_resolve(p) for p in (*shared, *operation.get("parameters", []))]


def _codes(response: dict[str, Any]) -> list[str]:
    codes: list[str] = response["headers"]["X-Application-Status-Code"]["schema"]["enum"]
    return codes


def _error_responses() -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        (f"{method.upper()} {path}", status, _resolve(response))
        for method, path, operation in _operations()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    ]
    found += [
        (f"components/responses/{name}", "", response)
        for name, response in DOC["components"]["responses"].items()
    ]
    return found


# --- the document as a whole ---------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"] == "3.1.0"
    validate_openapi(copy.deepcopy(DOC))  # the OpenAPI 3.1 meta-schema, and every $ref resolves


def test_the_document_is_built_once_and_is_plain_json() -> None:
    assert openapi_document() is DOC
    assert json.loads(json.dumps(DOC)) == DOC


async def test_the_openapi_route_serves_the_document_of_its_own_routes() -> None:
    async with TestClient(TestServer(routes.route_tree())) as client:  # no database needed
        response = await client.get("/customervault/v1/openapi.json")  # no credentials
        assert response.status == 200
        assert await response.json() == DOC


# --- paths and operations ------------------------------------------------------------------------


PATH_VARIABLES = routing.PATH_VARIABLES

APP = vault_app.create_app(Settings(), Keyring.generate())  # not started: no database needed
V1_APP = APP[routing.SUB_APP]


def _app_routes(app: web.Application = APP) -> dict[tuple[str, str], Handler]:
    """(method, documented path) → handler, read from the router alone (the canonical paths, and
    the regular expressions of ``{kind:ach}``-style variables)."""
    routes: dict[tuple[str, str], Handler] = {}
    for route in app.router.routes():
        assert route.resource is not None
        path = route.resource.canonical.removesuffix("{_}")  # the optional trailing slash
        for short, name in PATH_VARIABLES.items():
            path = path.replace(f"{{{short}}}", f"{{{name}}}")
        paths = [path]
        if "{kind}" in path:
            pattern = route.resource.get_info()["pattern"].pattern
            found = re.search(r"\(\?P<kind>([a-z|]+)\)", pattern)
            assert found is not None, pattern
            paths = [path.replace("{kind}", kind) for kind in found.group(1).split("|")]
        for concrete in paths:
            routes[(route.method.lower(), concrete)] = route.handler
    return routes


ROUTES = _app_routes()
AUTHENTICATED = _app_routes(V1_APP)


def test_every_route_of_the_app_is_documented_and_nothing_else() -> None:
    documented = {(method, path) for method, path, _ in _operations()}
    assert set(ROUTES) - documented == set(), "routes missing from the OpenAPI document"
    assert documented - set(ROUTES) == set(), "documented operations the app does not serve"


def test_path_parameters_are_declared() -> None:
    for method, path, operation in _operations():
        declared = {p["name"] for p in _parameters(path, operation) if p["in"] == "path"}
        in_template = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        assert declared == in_template, f"{method} {path}"


def test_authentication_is_documented_where_the_middleware_asks_for_it() -> None:
    for method, path, operation in _operations():
        # The routes of the /customervault/v1 application pass its authentication middleware;
        # the single-use-token endpoint wants a single-use-token key rather than a server key.
        authenticated = (method, path) in AUTHENTICATED
        single_use_endpoint = ROUTES[(method, path)] is single_use.create_single_use_token
        scheme = "singleUseTokenAuth" if single_use_endpoint else "basicAuth"
        security = operation.get("security", DOC["security"])
        assert (security == [{scheme: []}]) == authenticated, f"{method} {path}"
        responses = operation["responses"]
        if authenticated:
            assert sorted(_codes(responses["401"])) == ["5279", "5280"], f"{method} {path}"
            assert _codes(responses["403"]) == ["5270"], f"{method} {path}"
        else:
            assert "401" not in responses and "403" not in responses, f"{method} {path}"


def test_operations_with_a_body_document_every_body_failure() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        if "requestBody" in operation:
            assert {"5023", "5068"} <= set(_codes(responses["400"])), f"{method} {path}"
            assert _codes(responses["413"]) == ["5023"], f"{method} {path}"
            assert _codes(responses["415"]) == ["5272"], f"{method} {path}"
        else:
            assert "413" not in responses and "415" not in responses, f"{method} {path}"


def test_resource_operations_document_unknown_ids_and_commands_their_conflicts() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        if "{profileId}" in path:
            assert "5269" in _codes(responses["404"]), f"{method} {path}"
        if method in ("post", "put", "delete") and path.startswith("/customervault/v1/profiles"):
            assert "7599" in _codes(responses["409"]), f"{method} {path}"
        assert _codes(responses["500"]) == ["1000"], f"{method} {path}"


def _calls_the_token_service(handler: Handler) -> bool:
    """Whether a handler reaches the token service: through the application services that own
    its calls (directly or through a helper it calls)."""
    seen: set[object] = set()

    def reaches(function: Any) -> bool:
        if function in seen or not inspect.isfunction(function):
            return False
        seen.add(function)
        names = function.__code__.co_names
        if {"CARDS", "BANK_ACCOUNTS", "PROFILES_SERVICE", "ACCESS_LEDGER"} & set(names):
            return True
        return any(reaches(function.__globals__.get(name)) for name in names)

    return reaches(handler)


def test_operations_document_their_503s_and_429_with_retry_after() -> None:
    """1000: the token service is unavailable (operations that call it); 1099: the database is
    (every authenticated operation: authentication reads it); 429 5599: failed logins."""
    for method, path, operation in _operations():
        responses = operation["responses"]
        authenticated = operation.get("security", DOC["security"]) != []
        expected = ["1000"] if _calls_the_token_service(ROUTES[(method, path)]) else []
        expected += ["1099"] if authenticated else []
        documented = _codes(responses["503"]) if "503" in responses else []
        assert documented == expected, f"{method} {path}"
        assert ("429" in responses) == authenticated, f"{method} {path}"
        for status in {"429", "503"} & set(responses):
            assert responses[status]["headers"]["Retry-After"], f"{method} {path} {status}"


def test_every_error_code_the_api_defines_is_documented() -> None:
    documented = {
        (code, int(status))
        for _, status, response in _error_responses()
        if status
        for code in _codes(response)
    }
    documented |= {("5281", 405), ("5273", 404)}  # components/responses, for every path
    assert set(_error_kinds()) - documented == set()


# Sent as 200 without Location, as Paysafe does (docs/api.md, "Single-use tokens").
CREATES_ANSWERING_200 = {("post", "/customervault/v1/singleusetokens")}


def test_creates_answer_201_with_location_and_deletes_200_with_an_empty_body() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        successes = [s for s in responses if s.startswith("2")]
        assert len(successes) == 1, f"{method} {path}"
        success = _resolve(responses[successes[0]])
        if (method, path) in CREATES_ANSWERING_200:
            assert successes == ["200"] and "content" in success, f"{method} {path}"
            assert "Location" not in success["headers"], f"{method} {path}"
        elif method == "post":
            assert successes == ["201"], f"{method} {path}"
            assert "Location" in success["headers"], f"{method} {path}"
        elif method == "delete":
            assert successes == ["200"] and "content" not in success, f"{method} {path}"
        else:
            assert successes == ["200"] and "content" in success, f"{method} {path}"


def test_the_conflicts_of_profiles_are_documented() -> None:
    profiles = DOC["paths"]["/customervault/v1/profiles"]
    assert "7505" in _codes(profiles["post"]["responses"]["409"])
    assert _codes(profiles["get"]["responses"]["409"]) == ["7521"]
    profile = DOC["paths"]["/customervault/v1/profiles/{profileId}"]
    assert "7505" in _codes(profile["put"]["responses"]["409"])


# --- errors --------------------------------------------------------------------------------------


def _error_kinds() -> dict[tuple[str, int], errors.ErrorCode]:
    """Every error the API's modules define as a constant: the vocabulary (``errors.Codes``, the
    general codes included) and the modules' own (e.g. idempotency.py's 7597)."""
    kinds = [
        value
        for info in pkgutil.iter_modules(service.api.__path__, "service.api.")
        for value in vars(importlib.import_module(info.name)).values()
        if isinstance(value, errors.ErrorCode)
    ]
    kinds += [getattr(errors.Codes, name) for name in dir(errors.Codes) if not name.startswith("_")]
    return {(k.code, k.http_status): k for k in kinds}


@pytest.mark.parametrize("where, status, response", _error_responses(), ids=lambda v: str(v)[:60])
def test_every_error_response_is_an_error_body_with_its_code_header(
    where: str, status: str, response: dict[str, Any]
) -> None:
    assert response["content"]["application/json"]["schema"] == ERROR_REF, where
    header = response["headers"]["X-Application-Status-Code"]
    assert header["required"] is True
    codes = header["schema"]["enum"]
    examples = response["content"]["application/json"]["examples"]
    assert sorted(examples) == sorted(codes), where
    known = _error_kinds()
    for code, example in examples.items():
        _validator("Error").validate(example["value"])
        assert example["value"]["error"]["code"] == code
        if status:
            assert (code, int(status)) in known, f"{where}: {code} is not answered with {status}"
    if status == "401":
        assert "WWW-Authenticate" in response["headers"]


def test_the_method_not_allowed_answer_is_documented_with_allow() -> None:
    response = DOC["components"]["responses"]["MethodNotAllowed"]
    assert _codes(response) == ["5281"] and "Allow" in response["headers"]
    assert _codes(DOC["components"]["responses"]["UnknownUrl"]) == ["5273"]


def test_the_error_schema_accepts_what_the_middleware_sends_and_refuses_other_shapes() -> None:
    validator = _validator("Error")
    for kind in _error_kinds().values():
        validator.validate(PaysafeError(kind).body())
    validator.validate(errors.invalid([errors.FieldError("dateOfBirth.day", "x")]).body())
    assert not validator.is_valid({"code": "5068", "message": "flat, not inside error"})
    assert not validator.is_valid({"error": {"code": 5068, "message": "m", "links": []}})


# --- request schemas against the wire rules ------------------------------------------------------


@pytest.mark.parametrize(
    "name, rules", [("ProfileRequest", wire.PROFILE_RULES), ("AddressRequest", wire.ADDRESS_RULES)]
)
def test_request_schemas_state_the_wire_rules(name: str, rules: tuple[Any, ...]) -> None:
    schema = SCHEMAS[name]
    properties = schema["properties"]
    nested = {"dateOfBirth", "card"}  # parsed apart from the rules (card: see the card tests)
    assert set(properties) - {r.name for r in rules} <= nested, "undocumented by wire.py"
    for rule in rules:
        prop = properties[rule.name]
        required = getattr(rule, "required", False)  # a Flag is never required
        assert (rule.name in schema["required"]) == required, rule.name
        match rule:
            case Text():
                assert prop["type"] == "string" and prop["maxLength"] == rule.max_len, rule.name
                # Optional texts accept "" (it counts as absent); required ones need min_len.
                assert prop.get("minLength") == (rule.min_len if rule.required else None)
                if rule.pattern is not None:
                    assert prop["pattern"] == rule.pattern.pattern, rule.name
            case Choice():
                assert sorted(prop["enum"]) == sorted(rule.values), rule.name
            case Flag():
                assert prop["type"] == "boolean" and prop.get("default") == rule.default
            case Integer():
                raise AssertionError("no top-level integers in these bodies")


def test_the_country_pattern_matches_what_the_parser_accepts() -> None:
    country = SCHEMAS["AddressRequest"]["properties"]["country"]
    validator = jsonschema.Draft202012Validator(country)
    for value in ("CA", "us", "1A", "C-", "ÉA"):
        try:
            wire.parse_address({"country": value, "zip": "1"})
            accepted = True
        except PaysafeError:
            accepted = False
        assert validator.is_valid(value) == accepted, value


@pytest.mark.parametrize("field", ["year", "month", "day"])
def test_date_of_birth_bounds_match_the_parser(field: str) -> None:
    bounds = SCHEMAS["DateOfBirth"]["properties"][field]
    valid = {"year": 2000, "month": 1, "day": 1}

    def accepted(value: int) -> bool:
        body = {
            "merchantCustomerId": "c",
            "locale": "en_US",
            "dateOfBirth": {**valid, field: value},
        }
        try:
            wire.parse_profile(body, creating=True)
        except PaysafeError:
            return False
        return True

    assert accepted(bounds["minimum"]) and not accepted(bounds["minimum"] - 1)
    if "maximum" in bounds:
        assert accepted(bounds["maximum"]) and not accepted(bounds["maximum"] + 1)
    else:  # the year's upper bound is the current year, stated in the description
        assert accepted(dt.date.today().year) and not accepted(dt.date.today().year + 1)


# --- response schemas against the documents the API renders ---------------------------------------


def _state(personal: ProfilePersonal | None = PERSONAL) -> aggregate.Profile:
    return aggregate.Profile(
        profile_id=uuid.uuid4(),
        merchant_id=uuid.uuid4(),
        payment_token="PJuZaa01cd2mbvU",
        status="ACTIVE",
        locale="en_US",
        personal=personal,
    )


def _assert_matches(name: str, document: dict[str, Any]) -> None:
    _validator(name).validate(document)
    properties = SCHEMAS[name]["properties"]
    assert set(document) <= set(properties), f"{name} lacks {set(document) - set(properties)}"


def test_the_profile_schema_describes_rendered_profiles() -> None:
    full = render_profile(_state())
    _assert_matches("Profile", full)
    _assert_matches("Profile", {**full, "addresses": [render_address(ADDRESS)]})
    _assert_matches("Profile", {**full, "addresses": []})
    minimal = render_profile(_state(ProfilePersonal(merchant_customer_id="c")))
    _assert_matches("Profile", minimal)
    assert set(SCHEMAS["Profile"]["required"]) == set(minimal)
    assert not _validator("Profile").is_valid({**full, "firstName": None}), "nulls are omitted"


def test_the_address_schema_describes_rendered_addresses() -> None:
    _assert_matches("Address", render_address(ADDRESS))
    bare = aggregate.Address(
        address_id=uuid.uuid4(),
        status="ACTIVE",
        country="US",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(zip="10014"),
    )
    _assert_matches("Address", render_address(bare))


PROFILE_COLLECTIONS = {"addresses", "cards", *(key for _, key in views.BANK_FIELDS.values())}


def test_response_schemas_list_keys_in_the_order_the_api_sends_them() -> None:
    profile_keys = [k for k in SCHEMAS["Profile"]["properties"] if k not in PROFILE_COLLECTIONS]
    assert tuple(profile_keys) == PROFILE_KEY_ORDER
    assert tuple(SCHEMAS["Address"]["properties"]) == ADDRESS_KEY_ORDER
    assert tuple(SCHEMAS["Card"]["properties"]) == CARD_KEY_ORDER
    assert tuple(SCHEMAS["CardExpiry"]["properties"]) == CARD_EXPIRY_KEY_ORDER
    assert tuple(SCHEMAS["Mandate"]["properties"]) == MANDATE_KEY_ORDER
    for kind in BANK_KINDS:
        keys = tuple(SCHEMAS[f"{kind.capitalize()}BankAccount"]["properties"])
        assert keys == tuple(k for k in BANK_ACCOUNT_KEY_ORDER if k in keys), kind
        assert set(keys) <= set(BANK_ACCOUNT_KEY_ORDER), kind


def test_the_search_result_schema_describes_the_search_view_documents() -> None:
    profile_id, merchant_id = uuid.uuid4(), uuid.uuid4()
    event = ProfileCreated(
        profile_id=profile_id,
        merchant_id=merchant_id,
        payment_token="PJuZaa01cd2mbvU",
        status="ACTIVE",
        locale="en_US",
        personal=PERSONAL,
    )
    ctx = EventContext(f"profile-{profile_id}", 1, profile_id, merchant_id, dt.datetime.now(dt.UTC))
    (op,) = customer_search.project(event, ctx)
    summary = next(msgspec.json.decode(a) for a in op.args if isinstance(a, str) and "{" in a)
    _assert_matches("CustomerSummary", summary)
    _validator("SearchResult").validate({"profiles": [summary]})


async def test_the_monitor_schema_describes_the_monitor_answer() -> None:
    response = await routes.monitor(None)  # type: ignore[arg-type]
    assert response.text is not None
    _assert_matches("Monitor", json.loads(response.text))


# --- instrument request schemas against their parsers ---------------------------------------------
#
# Each schema is probed with bodies around its limits; the schema and the parser must agree on
# every one. Probes are generated from the schema (required keys, enums, plain lengths) plus samples
# for what generation cannot reach (patterns, nested objects).


def _luhn_number(length: int, prefix: str = "4") -> str:
    """A Luhn-valid number of a known brand (Visa by default)."""
    body = prefix + "1" * (length - len(prefix) - 1)
    return next(body + d for d in "0123456789" if numbers.luhn_valid(body + d))


ADDRESS_ID = str(uuid.uuid4())
EXPIRY = {"month": 12, "year": 2050}
CARD_NUM = _luhn_number(16)
EXPIRY_SAMPLES = [
    {"month": 1, "year": 1000},
    {"month": 12, "year": 9999},
    {"month": 0, "year": 2050},
    {"month": 13, "year": 2050},
    {"month": 12, "year": 999},
    {"month": 12, "year": 10000},
    {"month": 12},
    {"year": 2050},
]
ID_SAMPLES = [ADDRESS_ID, ADDRESS_ID.upper(), "not-a-uuid", "2" * 36, ADDRESS_ID + "0"]
CARD_SAMPLES: dict[str, list[Any]] = {
    "cardNum": [
        _luhn_number(12),
        _luhn_number(20),
        _luhn_number(11),
        _luhn_number(21),
        " ".join(CARD_NUM[i : i + 4] for i in range(0, 16, 4)),
        "-".join(CARD_NUM[i : i + 4] for i in range(0, 16, 4)),
        CARD_NUM[:4] + "a" + CARD_NUM[5:],
    ],
    "cardExpiry": EXPIRY_SAMPLES,
    "cvv": ["123", "1234", "12", "12345", "12a"],
    "billingAddress": [
        {"country": "CA", "zip": "M5H 2N2"},
        {"country": "CA"},
        {"zip": "10014"},
        {"country": "C1", "zip": "1"},
    ],
    "billingAddressId": ID_SAMPLES,
    "singleUseToken": ["SC" + "a" * 14, "SCabc", "SC" + "a" * 15, "XX" + "a" * 14],
}
BANK_BASES: dict[str, dict[str, Any]] = {
    "ach": {
        "accountHolderName": "Jane Doe",
        "accountType": "CHECKING",
        "accountNumber": "12345678",
        "routingNumber": "123456789",
        "billingAddressId": ADDRESS_ID,
    },
    "eft": {
        "accountHolderName": "Jane Doe",
        "accountNumber": "1234567",
        "transitNumber": "25039",
        "institutionId": "001",
        "billingAddressId": ADDRESS_ID,
    },
    "bacs": {
        "accountHolderName": "Jane Doe",
        "accountNumber": "12345678",
        "sortCode": "207405",
        "billingAddressId": ADDRESS_ID,
    },
    "sepa": {
        "accountHolderName": "Jane Doe",
        "iban": "MD24AG000225100013104168",
        "bic": "ABNANL2A",
        "billingAddressId": ADDRESS_ID,
    },
}
BANK_SAMPLES: dict[str, dict[str, list[Any]]] = {
    "ach": {
        "accountNumber": ["1234", "123", "1" * 17, "1" * 18, "12a4"],
        "routingNumber": ["12345678", "1234567890", "12345678a"],
    },
    "eft": {
        "accountNumber": ["123456", "1" * 12, "1" * 13],
        "transitNumber": ["2503", "250391"],
        "institutionId": ["01", "0001"],
    },
    "bacs": {"accountNumber": ["1234567", "123456789"], "sortCode": ["20740", "2074051"]},
    "sepa": {
        # Only IBANs with a valid checksum: mod-97 is described, not stated as JSON Schema.
        "iban": [
            "md24 ag00 0225 1000 1310 4168",
            "LB30099900000001001925579115",
            "MD24AG000225100013104168".rjust(43),
        ],
        "bic": ["ABNANL2AXXX", "ABNANL2", "ABNANL2AXX", "abnanl2a"],
    },
}
NO_NUL = "^[^\\u0000]*$"
CHECKSUMMED = {"cardNum", "iban"}  # Luhn and mod-97: in the descriptions


def _probes(name: str, base: dict[str, Any], samples: dict[str, list[Any]]) -> Iterator[Any]:
    schema = SCHEMAS[name]
    yield base
    for field in schema.get("required", []):
        yield {k: v for k, v in base.items() if k != field}
    for field, prop in schema["properties"].items():
        if field in samples:
            yield from ({**base, field: value} for value in samples[field])
        elif "enum" in prop:
            yield from ({**base, field: value} for value in [*prop["enum"], "NOPE"])
        elif prop.get("type") == "string":
            free_text = prop.get("pattern") == NO_NUL  # any text but NUL
            assert free_text and field not in CHECKSUMMED, f"{name}.{field}: samples"
            high, low = prop["maxLength"], prop.get("minLength", 1)
            yield from ({**base, field: "x" * n} for n in {high, high + 1, low, low - 1} if n > 0)
            yield {**base, field: "x\x00"}
        else:  # flags are tolerant ("true"); nested objects need samples
            assert prop.get("type") == "boolean", f"{name}.{field}: samples"


def _accepts(parse: Callable[[Any], object], body: Any) -> bool:
    try:
        parse(body)
    except PaysafeError:
        return False
    return True


def _request_cases() -> Iterator[tuple[str, Callable[[Any], object], list[Any]]]:
    card = {"cardNum": CARD_NUM, "cardExpiry": EXPIRY}
    yield (
        "CardRequest",
        lambda b: instrument_wire.parse_card(b, creating=True),
        [
            *_probes("CardRequest", card, CARD_SAMPLES),
            {"cardNum": CARD_NUM},
            {"cardExpiry": EXPIRY},
            {"singleUseToken": "SCabcdefghijklmn"},
            {"singleUseToken": "SCabcdefghijklmn", "billingAddressId": ADDRESS_ID},
            {},
            {
                **card,
                "billingAddressId": ADDRESS_ID,
                "billingAddress": {"country": "CA", "zip": "1"},
            },
        ],
    )
    yield (
        "CardUpdateRequest",
        lambda b: instrument_wire.parse_card(b, creating=False),
        list(_probes("CardUpdateRequest", {"cardExpiry": EXPIRY}, CARD_SAMPLES)),
    )
    for kind in BANK_KINDS:
        samples = {**BANK_SAMPLES[kind], "billingAddressId": ID_SAMPLES}
        yield (
            f"{kind.capitalize()}BankAccountRequest",
            lambda b, kind=kind: instrument_wire.parse_bank_account(kind, b),  # type: ignore[misc]
            list(_probes(f"{kind.capitalize()}BankAccountRequest", BANK_BASES[kind], samples)),
        )
    references = {
        "bacs": ["SUB103", "A" * 10, "A" * 11, "a1", "-A", "A .&/-", "A(B)"],
        "sepa": ["SUBSCRIPTION103", "A" * 35, "A" * 36, "A (),-./?", "a", "A&B"],
    }
    for kind, values in references.items():
        name = f"{kind.capitalize()}MandateRequest"
        yield (
            name,
            lambda b, kind=kind: instrument_wire.parse_mandate(kind, b),  # type: ignore[misc]
            list(_probes(name, {"reference": values[0]}, {"reference": values})),
        )
    yield (
        "MandateStatusRequest",
        instrument_wire.parse_mandate_status,
        list(_probes("MandateStatusRequest", {"status": "CANCELLED"}, {})),
    )


@pytest.mark.parametrize(
    "name, parse, bodies", [pytest.param(*case, id=case[0]) for case in _request_cases()]
)
def test_instrument_request_schemas_agree_with_the_parsers(
    name: str, parse: Callable[[Any], object], bodies: list[Any]
) -> None:
    validator = _validator(name)
    accepted = [b for b in bodies if _accepts(parse, b)]
    assert accepted and len(accepted) < len(bodies), "probes must include both outcomes"
    for body in bodies:
        assert validator.is_valid(body) == _accepts(parse, body), body


def test_a_profile_request_may_carry_a_card() -> None:
    profile = {"merchantCustomerId": "c", "locale": "en_US"}
    validator = _validator("ProfileRequest")
    assert validator.is_valid({**profile, "card": {"singleUseToken": "SCabcdefghijklmn"}})
    assert not validator.is_valid({**profile, "card": {"cardNum": CARD_NUM}})


# --- the single-use-token endpoint, run against a fake token service --------------------------------


class _FakeTokens:
    async def tokenize(
        self, merchant_id: uuid.UUID, kind: str, instrument: dict[str, Any], *, single_use: bool
    ) -> Tokenized:
        number = instrument["cardNum"]
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)
        return Tokenized(
            token="SCCtUl97MFABvPm3",
            kind=kind,
            fingerprint="fp",
            bin=number[:6],
            last_digits=number[-4:],
            expires_at=expires.isoformat(),
        )


@web.middleware
async def _as_a_single_use_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[middleware.PRINCIPAL] = Principal(uuid.uuid4(), "sut-key", "single_use")
    return await handler(request)


async def test_the_single_use_token_schemas_agree_with_the_endpoint() -> None:
    app = web.Application(middlewares=[middleware.paysafe_errors, _as_a_single_use_key])
    commands = ProfileCommands(ProfileRepository(InMemoryProfileStore()))
    app[CARDS] = Cards(commands, cast(TokenService, _FakeTokens()))
    routing.register(app, (routes.SINGLE_USE_TOKENS,))
    path = routes.SINGLE_USE_TOKENS.path
    request_validator = _validator("SingleUseTokenRequest")
    card = {"cardNum": CARD_NUM, "cardExpiry": EXPIRY}
    samples = {k: CARD_SAMPLES[k] for k in ("cardNum", "cardExpiry", "cvv", "billingAddress")}
    bodies: list[Any] = [{"card": probe} for probe in _probes("SingleUseTokenCard", card, samples)]
    bodies += [{}, {"card": "x"}, {"card": {**card, "singleUseToken": "SCabcdefghijklmn"}}]
    async with TestClient(TestServer(app)) as client:
        for body in bodies:
            response = await client.post(path, json=body)
            assert response.status in (200, 400), body
            assert request_validator.is_valid(body) == (response.status == 200), body
            if response.status == 200:
                _assert_matches("SingleUseToken", await response.json())
        # A number of no known brand passes the schema but is refused with the documented 7508.
        unknown_brand = {"card": {**card, "cardNum": _luhn_number(16, prefix="9")}}
        response = await client.post(path, json=unknown_brand)
        assert response.headers["X-Application-Status-Code"] == "7508"
        operation = DOC["paths"][routing.V1 + path]["post"]
        assert "7508" in _codes(operation["responses"][str(response.status)])


# --- instrument response schemas against the documents the API renders ------------------------------


def _card(**changes: Any) -> state.Card:
    return state.Card(**msgspec.structs.asdict(card_added(**changes)))


FULL_CARD = _card(
    billing_address_id=uuid.UUID(ADDRESS_ID),
    single_use_token="SCabcdefghijklmn",
    personal=CardPersonal(holder_name="Jane Doe", nick_name="main", merchant_ref_num="ref-1"),
)


def test_the_card_schema_describes_rendered_cards() -> None:
    minimal = render_card(_card(), stored_credential=False)
    _assert_matches("Card", minimal)
    assert set(SCHEMAS["Card"]["required"]) == set(minimal)
    for stored_credential in (True, False):
        _assert_matches("Card", render_card(FULL_CARD, stored_credential=stored_credential))
    stored = msgspec.json.encode(card_document(FULL_CARD)).decode()
    _assert_matches("Card", views._card(stored))  # GET card
    _assert_matches("Card", card_document(FULL_CARD))  # inside a profile: the stored document
    assert "storedCredentialTokenStatus" in render_card(_card(), stored_credential=True)


def test_card_enumerations_cover_every_brand_the_vault_derives() -> None:
    card = SCHEMAS["Card"]["properties"]
    for brand, category, _ in numbers._BIN_RANGES:
        assert brand in card["cardType"]["enum"] and category in card["cardCategory"]["enum"]


def _bank_account(kind: str, body: dict[str, Any]) -> state.BankAccount:
    parsed = instrument_wire.parse_bank_account(kind, body)
    return state.BankAccount(
        bank_account_id=uuid.uuid4(),
        kind=kind,
        payment_token="BaUTUCA0BV8kT7K",
        status="ACTIVE",
        last_digits="78",
        fingerprint="fp",
        account_type=parsed.account_type,
        billing_address_id=parsed.billing_address_id,
        personal=parsed.personal,
    )


@pytest.mark.parametrize("kind", BANK_KINDS)
def test_the_bank_account_schemas_describe_rendered_accounts(kind: str) -> None:
    name = f"{kind.capitalize()}BankAccount"
    minimal = bank_account_document(_bank_account(kind, BANK_BASES[kind]))
    _assert_matches(name, minimal)
    # billingAddressId is required on input but goes when its address is deleted.
    assert set(SCHEMAS[name]["required"]) == set(minimal) - {"billingAddressId", "bic"}
    full = {**BANK_BASES[kind], "nickName": "main", "merchantRefNum": "ref-1"}
    account = _bank_account(kind, full)
    _assert_matches(name, bank_account_document(account))
    unlinked = bank_account_document(msgspec.structs.replace(account, billing_address_id=None))
    _assert_matches(name, unlinked)
    for other in BANK_KINDS:  # the kinds' documents are told apart by their codes
        if other != kind:
            assert set(minimal) - set(SCHEMAS[f"{other.capitalize()}BankAccount"]["properties"])


def test_the_mandate_schema_describes_rendered_mandates() -> None:
    mandate = state.Mandate(
        mandate_id=uuid.uuid4(),
        bank_account_id=uuid.uuid4(),
        payment_token="MnQ3xk1JdOvJxyT",
        reference="SUB103",
        status="PENDING",
        status_change_date=instrument_wire.now_iso(),
    )
    document = mandate_document(mandate)
    _assert_matches("Mandate", document)
    assert set(SCHEMAS["Mandate"]["required"]) == set(document)
    statuses = SCHEMAS["Mandate"]["properties"]["status"]["enum"]
    assert sorted(statuses) == sorted(instrument_wire.MANDATE_STATUSES)
    assert set(statuses) > instruments.CLOSED_MANDATE_STATUSES
    assert SCHEMAS["MandateStatusRequest"]["properties"]["status"]["enum"] == statuses


def test_the_profile_schema_describes_profiles_with_their_instruments() -> None:
    documented = set(DOC["components"]["parameters"]["fields"]["schema"]["items"]["examples"])
    assert documented == {"addresses", "cards", *views.BANK_FIELDS}
    assert set(SCHEMAS["Profile"]["properties"]) >= PROFILE_COLLECTIONS
    document = render_profile(_state())
    document["addresses"] = [render_address(ADDRESS)]
    document["cards"] = [render_card(FULL_CARD, stored_credential=False)]
    for field, (kind, key) in views.BANK_FIELDS.items():
        assert field == f"{kind}bankaccounts"
        document[key] = [bank_account_document(_bank_account(kind, BANK_BASES[kind]))]
    _assert_matches("Profile", document)
    swapped = {**document, "achBankAccounts": document["eftBankAccounts"]}
    assert not _validator("Profile").is_valid(swapped)


# --- the before/after comparison of documents -------------------------------------------------------


def test_the_document_comparison_sees_meaning_not_layout() -> None:
    assert openapi_diff.compare(DOC, DOC) == []
    relaid = copy.deepcopy(DOC)
    create = relaid["paths"]["/customervault/v1/profiles"]["post"]
    create["description"] = create["description"].replace(" ", "\n", 3)  # rewrapped
    create["requestBody"]["content"]["application/json"]["schema"] = SCHEMAS["ProfileRequest"]
    relaid["components"]["schemas"]["ProfileRequest"]["required"].reverse()
    assert openapi_diff.compare(DOC, relaid) == []
    changed = copy.deepcopy(relaid)
    del changed["paths"]["/customervault/v1/profiles"]["get"]
    changed["components"]["schemas"]["ProfileRequest"]["properties"]["zip"] = {"type": "string"}
    found = openapi_diff.compare(DOC, changed)
    assert "removed paths//customervault/v1/profiles/get" in found
    assert "added   components/schemas/ProfileRequest/properties/zip" in found
