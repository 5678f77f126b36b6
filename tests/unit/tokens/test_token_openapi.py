from aiohttp import web
from openapi_spec_validator import validate

from events.crypto import Keyring
from service.tokens.app import ROUTE_TABLE, create_app
from service.tokens.keyring import TokenKeyring
from service.tokens.openapi import openapi_document
from service.tokens.settings import TokenServiceSettings


def test_document_is_valid_openapi_3_1() -> None:
    document = openapi_document(ROUTE_TABLE)
    validate(document)
    assert set(document["paths"]) == {
        "/tokens/v1/instruments",
        "/tokens/v1/instruments/{token}",
        "/tokens/v1/single-use/{token}/redeem",
        "/tokens/v1/resolve",
        "/tokens/v1/keys",
        "/tokens/v1/audit",
        "/tokens/v1/network-updates",
    }
    audit = document["paths"]["/tokens/v1/audit"]["get"]
    required = {p["name"]: p["required"] for p in audit["parameters"]}
    assert required == {
        "merchantId": True,
        "paymentToken": False,
        "from": False,
        "to": False,
        "before": False,
        "limit": False,
    }


def test_the_document_and_the_registered_routes_agree_both_ways() -> None:
    app = create_app(TokenServiceSettings(), TokenKeyring(spec=Keyring.generate("unit").spec()))
    registered = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if isinstance(route, web.AbstractRoute) and route.resource is not None
    } - {("GET", "/tokens/v1/openapi.json")}
    document = openapi_document(ROUTE_TABLE)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert registered == documented


def test_every_request_body_is_a_generated_schema() -> None:
    document = openapi_document(ROUTE_TABLE)
    schemas = document["components"]["schemas"]
    for item in document["paths"].values():
        for op in item.values():
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.rpartition("/")[2] in schemas
