"""The pure parts of Idempotency-Key: which keys are accepted and what makes two requests the same."""

from __future__ import annotations

import pytest

from service.application.idempotency import fingerprint, valid_key
from service.settings import duration_seconds


@pytest.mark.parametrize("key", ["a", "x" * 255, "order-42:retry", " ~!"])
def test_printable_keys_up_to_255_characters_are_accepted(key: str) -> None:
    assert valid_key(key)


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there", "nul\x00"])
def test_empty_long_and_unprintable_keys_are_refused(key: str) -> None:
    assert not valid_key(key)


def test_the_fingerprint_tells_method_path_and_body_apart() -> None:
    base = fingerprint("POST", "/p", b"{}")
    assert fingerprint("post", "/p", b"{}") == base
    assert len({base, fingerprint("PUT", "/p", b"{}"), fingerprint("POST", "/q", b"{}")}) == 3
    assert fingerprint("POST", "/p", b"{ }") != base
    # Field boundaries count: moving bytes from the path into the body is another request.
    assert fingerprint("POST", "/pa", b"b") != fingerprint("POST", "/p", b"ab")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("604800", 604800.0),
        ("90s", 90.0),
        ("5m", 300.0),
        ("24h", 86400.0),
        ("7d", 604800.0),
        (" 1.5D ", 129600.0),
    ],
)
def test_retention_durations(text: str, seconds: float) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "0", "-1h", "7w"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        duration_seconds(text)


def test_every_command_documents_the_header_and_its_errors() -> None:
    from service.api.routes import openapi_document

    document = openapi_document()
    commands = [
        operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "delete") and path.startswith("/customervault/v1/")
    ]
    assert len(commands) == 26
    for operation in commands:
        assert {"$ref": "#/components/parameters/Idempotency-Key"} in operation["parameters"]
        responses = operation["responses"]
        for status, code in (("400", "5068"), ("409", "7598"), ("422", "7597")):
            header = responses[status]["headers"]["X-Application-Status-Code"]
            assert code in header["schema"]["enum"], (operation["operationId"], status)
        success = next(r for s, r in responses.items() if s.startswith("2"))
        assert "Idempotent-Replayed" in success["headers"]
