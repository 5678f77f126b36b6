"""The OpenAPI document: valid OpenAPI 3.1, complete for the routes the app registers, and true to
the code (wire rules, the documents the API renders, the errors the middleware sends)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from typing import Any

import jsonschema
import msgspec
import pytest
from openapi_spec_validator import validate as validate_openapi

from events.crypto import Keyring
from events.types import AddressPersonal, DateOfBirth, ProfileCreated, ProfilePersonal
from projections import customer_search
from projections.documents import ADDRESS_KEY_ORDER, PROFILE_KEY_ORDER
from projections.rows import EventContext
from service.api import app as vault_app
from service.api import errors, wire
from service.api.errors import PaysafeError
from service.api.openapi import openapi_document
from service.api.profiles import render_address, render_profile
from service.api.validation import Choice, Flag, Integer, Text
from service.config import Settings
from service.domain import profile as aggregate

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


async def test_the_openapi_route_serves_the_document() -> None:
    response = await vault_app.openapi(None)  # type: ignore[arg-type]
    assert response.status == 200
    assert response.text is not None and json.loads(response.text) == DOC


# --- paths and operations ------------------------------------------------------------------------


def _app_routes() -> set[tuple[str, str]]:
    app = vault_app.create_app(Settings(), Keyring.generate())  # not started: no database needed
    routes = set()
    for route in app.router.routes():
        assert route.resource is not None
        path = route.resource.canonical.removesuffix("{_}")  # the optional trailing slash
        path = path.replace("{pid}", "{profileId}").replace("{aid}", "{addressId}")
        routes.add((route.method.lower(), path))
    return routes


def test_every_route_of_the_app_is_documented_and_nothing_else() -> None:
    documented = {(method, path) for method, path, _ in _operations()}
    routes = _app_routes()
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations the app does not serve"


def test_path_parameters_are_declared() -> None:
    for method, path, operation in _operations():
        declared = {p["name"] for p in _parameters(path, operation) if p["in"] == "path"}
        in_template = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        assert declared == in_template, f"{method} {path}"


def test_authentication_is_documented_where_the_middleware_asks_for_it() -> None:
    for method, path, operation in _operations():
        # The rule of service.api.middleware.authentication:
        authenticated = path.startswith("/customervault/v1/") and path != OPENAPI_PATH
        security = operation.get("security", DOC["security"])
        assert (security == [{"basicAuth": []}]) == authenticated, f"{method} {path}"
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
            assert sorted(_codes(responses["400"])) == ["5023", "5068"], f"{method} {path}"
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


def test_creates_answer_201_with_location_and_deletes_200_with_an_empty_body() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        successes = [s for s in responses if s.startswith("2")]
        assert len(successes) == 1, f"{method} {path}"
        success = _resolve(responses[successes[0]])
        if method == "post":
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
    kinds = [v for v in vars(errors).values() if isinstance(v, errors.ErrorCode)]
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
    assert set(properties) - {r.name for r in rules} <= {"dateOfBirth"}, "undocumented by wire.py"
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
    bare = aggregate.Address(uuid.uuid4(), "ACTIVE", "US", False, AddressPersonal(zip="10014"))
    _assert_matches("Address", render_address(bare))


def test_response_schemas_list_keys_in_the_order_the_api_sends_them() -> None:
    profile_keys = [k for k in SCHEMAS["Profile"]["properties"] if k != "addresses"]
    assert tuple(profile_keys) == PROFILE_KEY_ORDER
    assert tuple(SCHEMAS["Address"]["properties"]) == ADDRESS_KEY_ORDER


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
    response = await vault_app.monitor(None)  # type: ignore[arg-type]
    assert response.text is not None
    _assert_matches("Monitor", json.loads(response.text))
