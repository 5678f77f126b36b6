from openapi_spec_validator import validate

from service.tokens.openapi import openapi_document


def test_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    validate(document)
    assert set(document["paths"]) == {
        "/tokens/v1/instruments",
        "/tokens/v1/instruments/{token}",
        "/tokens/v1/single-use/{token}/redeem",
        "/tokens/v1/resolve",
        "/tokens/v1/keys",
    }
