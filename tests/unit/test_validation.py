"""Tolerant Paysafe-style parsing of request bodies (pure)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from service.api.errors import PaysafeError
from service.api.validation import Body, Checker, Choice, Flag, Integer, Nested, Text
from service.api.wire import parse_address, parse_profile


def field_errors(body: object, parse=lambda b: parse_profile(b, creating=True)) -> list[tuple]:
    with pytest.raises(PaysafeError) as caught:
        parse(body)
    assert caught.value.kind.code == "5068"
    return sorted((f.field, f.error) for f in caught.value.field_errors)


def test_sdk_coercions_are_accepted() -> None:
    body = parse_profile(
        {
            "merchantCustomerId": 12345,
            "locale": "en_GB",
            "dateOfBirth": {"day": "1", "month": "2", "year": "1990"},
            "id": "x",
            "paymentToken": "y",
            "profileId": "z",
            "unknown": [1],
        },
        creating=True,
    )
    assert body.personal.merchant_customer_id == "12345"
    assert body.personal.date_of_birth.month == 2
    assert body.status == "ACTIVE"
    assert (
        parse_profile({"merchantCustomerId": "a", "locale": "en_US"}, creating=False).status is None
    )
    address = parse_address(
        {"country": "us", "zip": 10014, "defaultShippingAddressIndicator": "TRUE"}
    )
    assert (address.country, address.personal.zip) == ("US", "10014")
    assert address.default_shipping_address_indicator is True


def test_every_problem_is_reported() -> None:
    assert field_errors(
        {
            "merchantCustomerId": "",
            "locale": "en_US",
            "status": "DELETED",
            "dateOfBirth": {"day": 0, "month": 13},
        }
    ) == [
        ("dateOfBirth.day", "must be between 1 and 31"),
        ("dateOfBirth.month", "must be between 1 and 12"),
        ("dateOfBirth.year", "may not be empty"),
        ("merchantCustomerId", "may not be empty"),
        ("status", "invalid value"),
    ]
    assert field_errors("a string") == [
        ("body", "must be a JSON object"),
        ("locale", "may not be empty"),
        ("merchantCustomerId", "may not be empty"),
    ]
    assert field_errors({"country": "123", "zip": True}, parse_address) == [
        ("country", "size must be between 2 and 2"),
        ("zip", "must be a string"),
    ]


def test_card_bodies_split_number_from_what_the_vault_keeps() -> None:
    from service.api.instrument_wire import parse_card

    body = parse_card(
        {
            "cardNum": "4111 1111 1111 1111",
            "cardExpiry": {"month": "12", "year": "2050"},
            "holderName": "J",
            "cvv": 123,
            "defaultCardIndicator": "false",
        },
        creating=True,
    )
    assert body.card_num == "4111111111111111"
    assert (body.card_type, body.card_category) == ("VI", "CREDIT")
    assert body.for_token_service() == {
        "cardNum": "4111111111111111",
        "cardExpiry": {"month": 12, "year": 2050},
        "holderName": "J",
    }
    assert body.for_token_service(include_cvv=True)["cvv"] == "123"
    assert body.personal.holder_name == "J"
    with pytest.raises(PaysafeError) as caught:
        parse_card(
            {"cardNum": "4111111111111111", "cardExpiry": "12/50"},
            creating=True,
            field_prefix="card.",
        )
    assert [(f.field, f.error) for f in caught.value.field_errors] == [
        ("card.cardExpiry", "must be a JSON object")
    ]


# --- the rules state their JSON Schema ------------------------------------------------------------


def test_each_rule_states_what_it_accepts_as_json_schema() -> None:
    optional = Text("nickName", 50, pattern=re.compile("[a-z]+|[0-9]+"), about="A name.")
    assert optional.schema() == {
        "type": "string",
        "maxLength": 50,
        "pattern": "^(?:[a-z]+|[0-9]+)$",  # fullmatch, with its alternation kept whole
        "description": "A name.",
    }
    # Only a required text states its minimum: an optional "" counts as absent.
    assert Text("zip", 10, required=True, min_len=2).schema()["minLength"] == 2
    assert Choice("gender", ("M", "F")).schema() == {"enum": ["F", "M"]}
    assert Flag("defaultCardIndicator").schema() == {"type": "boolean", "default": False}
    assert Flag("defaultCardIndicator", default=None).schema() == {"type": "boolean"}
    # A moving bound (this year) is checked but not stated.
    assert Integer("year", 1900, lambda: 2000).schema() == {"type": "integer", "minimum": 1900}


def test_a_body_is_a_component_schema_with_its_nested_bodies() -> None:
    inner = Body("Inner", (Integer("n", 1, 9, required=True),), "An inner object.")
    outer = Body(
        "Outer",
        (Text("a", 5, required=True), Nested("inner", inner, lambda c: c.read(inner["n"]))),
        """An outer
        object.""",
        constraints={"not": {"required": ["a", "inner"]}},
    )
    components = outer.components()
    assert sorted(components) == ["Inner", "Outer"]
    assert components["Outer"]["required"] == ["a"]
    assert components["Outer"]["description"] == "An outer\nobject."
    assert components["Outer"]["properties"]["inner"] == {"$ref": "#/components/schemas/Inner"}
    assert components["Outer"]["not"] == {"required": ["a", "inner"]}
    c = Checker({"a": "x", "inner": {"n": "12"}})
    assert c.read_all(outer.rules) == {"a": "x", "inner": None}
    assert [(e.field, e.error) for e in c.errors] == [("inner.n", "must be between 1 and 9")]


def test_the_year_of_birth_may_not_be_after_this_year() -> None:
    year = dt.date.today().year
    assert field_errors(
        {
            "merchantCustomerId": "c",
            "locale": "en_US",
            "dateOfBirth": {"day": 1, "month": 1, "year": year + 1},
        }
    ) == [("dateOfBirth.year", f"must be between 1900 and {year}")]
