"""The token service's instrument validation at its boundaries: each limit accepted at its edge and
refused one past it, with the exact path and message of the field in the error (never its value),
and the fingerprint material each kind is computed from."""

from __future__ import annotations

from typing import Any

import pytest

from service.tokens import instruments
from service.tokens.instruments import InvalidInstrument

EXPIRY = {"month": 12, "year": 2050}
CARD = {"cardNum": "4111111111111111", "cardExpiry": EXPIRY}
ACH = {
    "accountNumber": "000123456789",
    "routingNumber": "211589828",
    "accountHolderName": "A",
    "accountType": "CHECKING",
}
EFT = {
    "accountNumber": "336657",
    "transitNumber": "25039",
    "institutionId": "001",
    "accountHolderName": "E",
}
BACS = {"accountNumber": "31926819", "sortCode": "609242", "accountHolderName": "B"}
SEPA = {"iban": "DE89370400440532013000", "accountHolderName": "S"}
MANDATE = {"reference": "REF-1", "bankAccountToken": "Dtoken"}


def refusals(
    kind: str, raw: Any, *, single_use: bool = False, path: str = "instrument"
) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInstrument) as refused:
        instruments.parse(kind, raw, single_use=single_use, path=path)
    assert str(refused.value) == f"{len(refused.value.errors)} invalid field(s)"
    return [(e.field, e.error) for e in refused.value.errors]


def accepted(kind: str, raw: Any, *, single_use: bool = False) -> dict[str, Any]:
    return instruments.parse(kind, raw, single_use=single_use)


# --- lengths ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [12, 20])
def test_a_card_number_of_12_to_20_digits_is_accepted(length: int) -> None:
    number = "4" * length
    assert accepted("card", {**CARD, "cardNum": number})["cardNum"] == number


@pytest.mark.parametrize("length", [11, 21])
def test_a_card_number_outside_12_to_20_digits_is_refused_by_path(length: int) -> None:
    assert refusals("card", {**CARD, "cardNum": "4" * length}) == [
        ("instrument.cardNum", "size must be between 12 and 20")
    ]


@pytest.mark.parametrize("number", ["4111-1111-1111", "", 4111111111111111, "٤١١١١١١١١١١١١"])
def test_a_card_number_that_is_not_a_string_of_ascii_digits_is_refused(number: object) -> None:
    assert refusals("card", {**CARD, "cardNum": number}) == [
        ("instrument.cardNum", "must be a string of digits")
    ]


@pytest.mark.parametrize(("cvv", "kept"), [("123", "123"), ("0123", "0123"), (7, "007")])
def test_a_cvv_of_3_or_4_digits_is_accepted_for_a_single_use_token(cvv: object, kept: str) -> None:
    assert accepted("card", {**CARD, "cvv": cvv}, single_use=True)["cvv"] == kept


@pytest.mark.parametrize("cvv", ["12", "12345", 12345])
def test_a_cvv_outside_3_to_4_digits_is_refused(cvv: object) -> None:
    assert refusals("card", {**CARD, "cvv": cvv}, single_use=True) == [
        ("instrument.cvv", "size must be between 3 and 4")
    ]


def test_a_boolean_cvv_is_not_a_number() -> None:
    assert refusals("card", {**CARD, "cvv": True}, single_use=True) == [
        ("instrument.cvv", "must be a string of digits")
    ]


@pytest.mark.parametrize(
    ("kind", "body", "lo", "hi"),
    [("ach", ACH, 4, 34), ("bacs", BACS, 4, 34), ("eft", EFT, 5, 12)],
)
def test_account_numbers_have_their_kinds_bounds(
    kind: str, body: dict[str, Any], lo: int, hi: int
) -> None:
    for length in (lo, hi):
        assert accepted(kind, {**body, "accountNumber": "1" * length})["accountNumber"]
    for length in (lo - 1, hi + 1):
        assert refusals(kind, {**body, "accountNumber": "1" * length}) == [
            ("instrument.accountNumber", f"size must be between {lo} and {hi}")
        ]


@pytest.mark.parametrize(
    ("kind", "body", "name"),
    [
        ("ach", ACH, "routingNumber"),
        ("eft", EFT, "transitNumber"),
        ("eft", EFT, "institutionId"),
        ("bacs", BACS, "sortCode"),
    ],
)
def test_bank_codes_take_3_to_9_digits(kind: str, body: dict[str, Any], name: str) -> None:
    for length in (3, 9):
        assert accepted(kind, {**body, name: "2" * length})[name] == "2" * length
    for length in (2, 10):
        assert refusals(kind, {**body, name: "2" * length}) == [
            (f"instrument.{name}", "size must be between 3 and 9")
        ]


@pytest.mark.parametrize(
    ("kind", "body", "name", "hi"),
    [
        ("card", CARD, "holderName", 160),
        ("ach", ACH, "accountHolderName", 160),
        ("sepa", SEPA, "bic", 11),
        ("mandate", MANDATE, "reference", 35),
        ("mandate", MANDATE, "bankAccountToken", 50),
    ],
)
def test_texts_take_1_to_their_maximum_characters(
    kind: str, body: dict[str, Any], name: str, hi: int
) -> None:
    for value in ("x", "x" * hi):
        assert accepted(kind, {**body, name: value})[name] == value
    assert refusals(kind, {**body, name: "x" * (hi + 1)}) == [
        (f"instrument.{name}", f"size must be between 1 and {hi}")
    ]
    for empty in ("", "  ", 7):
        assert refusals(kind, {**body, name: empty}) == [
            (f"instrument.{name}", "must be a non-empty string")
        ]


# --- expiry -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expiry",
    [{"month": 1, "year": 1000}, {"month": 12, "year": 9999}, {"month": "06", "year": "2031"}],
)
def test_an_expiry_month_of_1_to_12_and_a_four_digit_year_are_accepted(
    expiry: dict[str, Any],
) -> None:
    parsed = accepted("card", {**CARD, "cardExpiry": expiry})["cardExpiry"]
    assert parsed == {k: int(v) for k, v in expiry.items()}


@pytest.mark.parametrize(
    ("expiry", "field", "bounds"),
    [
        ({"month": 0, "year": 2050}, "month", "1 and 12"),
        ({"month": 13, "year": 2050}, "month", "1 and 12"),
        ({"month": True, "year": 2050}, "month", "1 and 12"),
        ({"month": "1.5", "year": 2050}, "month", "1 and 12"),
        ({"year": 2050}, "month", "1 and 12"),
        ({"month": 1, "year": 999}, "year", "1000 and 9999"),
        ({"month": 1, "year": 10000}, "year", "1000 and 9999"),
    ],
)
def test_an_expiry_out_of_range_names_its_part(
    expiry: dict[str, Any], field: str, bounds: str
) -> None:
    assert refusals("card", {**CARD, "cardExpiry": expiry}) == [
        (f"instrument.cardExpiry.{field}", f"must be an integer between {bounds}")
    ]


@pytest.mark.parametrize("expiry", [{"month": 1, "year": 2050, "day": 1}, "12/50", [12, 2050]])
def test_an_expiry_that_is_not_a_month_and_year_object_is_refused(expiry: object) -> None:
    assert refusals("card", {**CARD, "cardExpiry": expiry}) == [
        ("instrument.cardExpiry", "must be an object with month and year")
    ]


# --- addresses, unknown and missing fields, paths -----------------------------------------------------


def test_a_billing_address_takes_up_to_20_string_fields_of_up_to_255_characters() -> None:
    address = {f"f{i}": "x" * 255 for i in range(20)}
    assert accepted("card", {**CARD, "billingAddress": address})["billingAddress"] == address
    assert refusals("card", {**CARD, "billingAddress": {**address, "f20": "x"}}) == [
        ("instrument.billingAddress", "must be an object of at most 20 string fields")
    ]


def test_a_bad_address_field_is_named_unless_its_name_could_be_a_number() -> None:
    address = {"zip": "x" * 256, "city": 7, "4111111111111111": 1, "k" * 65: "b", "ok": "y"}
    assert refusals("card", {**CARD, "billingAddress": address}) == [
        ("instrument.billingAddress.zip", "must be a string of at most 255"),
        ("instrument.billingAddress.city", "must be a string of at most 255"),
        ("instrument.billingAddress.?", "is not an address field name"),
        ("instrument.billingAddress.?", "is not an address field name"),
    ]


def test_an_address_key_must_be_a_name_so_no_number_hides_in_the_sealed_record() -> None:
    for key in ("4111111111111111", "1st", "_x", "a b", "k" * 65, ""):
        assert refusals("card", {**CARD, "billingAddress": {key: "a"}}) == [
            ("instrument.billingAddress.?", "is not an address field name")
        ]
    address = {"street2": "a", "k" * 64: "b", "zip_code": "c"}
    assert accepted("card", {**CARD, "billingAddress": address})["billingAddress"] == address


def test_a_billing_address_that_is_not_an_object_is_refused() -> None:
    assert refusals("card", {**CARD, "billingAddress": "1 Main St"}) == [
        ("instrument.billingAddress", "must be an object of at most 20 string fields")
    ]


def test_every_problem_is_listed_under_the_callers_path_in_field_order() -> None:
    body = {"cardNum": "1", "cvv": "1", "x_y": 1, "4111111111111111": 1}
    assert refusals("card", body, path="card") == [
        ("card.x_y", "is not a field of this kind"),
        ("card.?", "is not a field of this kind"),
        ("card.cardExpiry", "may not be null"),
        ("card.cvv", "is only accepted for single-use tokens"),
        ("card.cardNum", "size must be between 12 and 20"),
        ("card.cvv", "size must be between 3 and 4"),
    ]


@pytest.mark.parametrize(
    ("kind", "required"),
    [
        ("card", ["cardNum", "cardExpiry"]),
        ("ach", ["accountNumber", "routingNumber", "accountHolderName", "accountType"]),
        ("eft", ["accountNumber", "transitNumber", "institutionId", "accountHolderName"]),
        ("bacs", ["accountNumber", "sortCode", "accountHolderName"]),
        ("sepa", ["iban", "accountHolderName"]),
        ("mandate", ["reference", "bankAccountToken"]),
    ],
)
def test_each_kind_requires_its_fields(kind: str, required: list[str]) -> None:
    assert refusals(kind, {}) == [(f"instrument.{name}", "may not be null") for name in required]
    assert instruments.parse(kind, {}, single_use=False, update=True) == {}


@pytest.mark.parametrize("raw", [None, [], "card"])
def test_a_body_that_is_not_an_object_is_refused_at_its_path(raw: object) -> None:
    assert refusals("card", raw, path="body") == [("body", "must be an object")]


def test_an_account_type_must_be_one_of_the_three() -> None:
    for account_type in ("CHECKING", "SAVINGS", "LOAN"):
        assert accepted("ach", {**ACH, "accountType": account_type})["accountType"] == account_type
    assert refusals("ach", {**ACH, "accountType": "checking"}) == [
        ("instrument.accountType", "must be one of CHECKING, SAVINGS, LOAN")
    ]


@pytest.mark.parametrize(
    ("iban", "normalised"),
    [("de89 3704 0044 0532 0130 00", "DE89370400440532013000"), ("NO9386011117947", None)],
)
def test_an_iban_is_normalised_without_spaces_in_capitals(
    iban: str, normalised: str | None
) -> None:
    assert accepted("sepa", {**SEPA, "iban": iban})["iban"] == (normalised or iban)


@pytest.mark.parametrize("iban", ["DE8", "D189370400440532013000", "DEX9370400440532013000", 7])
def test_what_is_not_shaped_like_an_iban_is_refused(iban: object) -> None:
    assert refusals("sepa", {**SEPA, "iban": iban}) == [("instrument.iban", "is not an IBAN")]


def test_an_iban_of_more_than_34_characters_is_refused() -> None:
    assert accepted("sepa", {**SEPA, "iban": "DE89" + "1" * 30})
    assert refusals("sepa", {**SEPA, "iban": "DE89" + "1" * 31}) == [
        ("instrument.iban", "is not an IBAN")
    ]


# --- fingerprints, views, updates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "material"),
    [
        ("card", CARD, b"4111111111111111"),
        ("ach", ACH, b"ach|211589828|000123456789"),
        ("eft", EFT, b"eft|001|25039|336657"),
        ("bacs", BACS, b"bacs|609242|31926819"),
        ("sepa", {**SEPA, "iban": "de89 3704 0044 0532 0130 00"}, b"DE89370400440532013000"),
        ("mandate", MANDATE, None),
    ],
)
def test_the_fingerprint_material_of_each_kind(
    kind: str, body: dict[str, Any], material: bytes | None
) -> None:
    assert instruments.fingerprint_material(kind, accepted(kind, body)) == material


def test_display_of_bank_kinds() -> None:
    assert instruments.display("sepa", accepted("sepa", SEPA)) == (None, "3000")
    assert instruments.display("bacs", accepted("bacs", BACS)) == (None, "6819")
    assert instruments.display("mandate", accepted("mandate", MANDATE)) == (None, None)
    assert instruments.display("ach", {"accountNumber": "123"}) == (None, "")
    assert instruments.display("card", {"cardNum": "411111"}) == ("", "")


def test_views_hold_only_what_the_caller_may_see() -> None:
    card = accepted("card", {**CARD, "holderName": "J", "billingAddress": {"zip": "1"}})
    assert instruments.card_view(card) == {**CARD, "holderName": "J"}
    assert instruments.card_view(accepted("card", CARD)) == CARD
    with_cvv = {**accepted("bacs", BACS), "cvv": "123"}
    assert instruments.bank_account_view(with_cvv) == BACS


def test_an_update_keeps_what_create_requires_and_clears_the_other_fields() -> None:
    stored = accepted("sepa", {**SEPA, "bic": "DEUTDEFF"})
    assert instruments.merge("sepa", stored, {}) == SEPA
    assert instruments.merge("sepa", stored, {"accountHolderName": "T"}) == {
        **SEPA,
        "accountHolderName": "T",
    }
    with pytest.raises(InvalidInstrument) as refused:
        instruments.merge("ach", accepted("ach", ACH), {"routingNumber": "123456789"})
    assert [(e.field, e.error) for e in refused.value.errors] == [
        ("instrument.routingNumber", "cannot be changed; tokenize the new number instead")
    ]


def test_an_address_field_name_of_up_to_64_characters_is_kept() -> None:
    address = {"k" * 64: "v"}
    assert accepted("card", {**CARD, "billingAddress": address})["billingAddress"] == address


@pytest.mark.parametrize("length", [19, 20])
def test_a_long_card_shows_at_most_six_digits_of_bin(length: int) -> None:
    number = "4111111111111111111"[:length].ljust(length, "2")
    assert instruments.display("card", {"cardNum": number}) == (number[:6], number[-4:])


def test_an_update_never_accepts_a_cvv() -> None:
    stored = accepted("card", CARD)
    with pytest.raises(InvalidInstrument) as refused:
        instruments.merge("card", stored, {"cvv": "123"})
    assert [(e.field, e.error) for e in refused.value.errors] == [
        ("instrument.cvv", "is only accepted for single-use tokens")
    ]
