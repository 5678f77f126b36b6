from __future__ import annotations

import pytest

from service.tokens import instruments
from service.tokens.instruments import InvalidInstrument

CARD = {"cardNum": "4111111111111111", "cardExpiry": {"month": "12", "year": 2050}}


def fields(exc: pytest.ExceptionInfo[InvalidInstrument]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_card_is_normalized() -> None:
    data = instruments.parse("card", {**CARD, "holderName": "Jane"}, single_use=False)
    assert data == {
        "cardNum": "4111111111111111",
        "cardExpiry": {"month": 12, "year": 2050},
        "holderName": "Jane",
    }
    assert instruments.display("card", data) == ("411111", "1111")
    assert instruments.fingerprint_material("card", data) == b"4111111111111111"


def test_malformed_input_is_refused_without_echo() -> None:
    with pytest.raises(InvalidInstrument) as exc:
        instruments.parse(
            "card",
            {"cardNum": "4111 1111 1111 1111", "cvv": "123", "pin": "1"},
            single_use=False,
        )
    assert fields(exc) == {
        "instrument.cardNum",
        "instrument.cardExpiry",
        "instrument.cvv",
        "instrument.pin",
    }
    assert all("4111" not in e.error for e in exc.value.errors)


def test_cvv_only_for_single_use() -> None:
    data = instruments.parse("card", {**CARD, "cvv": 12}, single_use=True)
    assert data["cvv"] == "012"


def test_bank_fingerprints_include_the_bank_code() -> None:
    ach = {
        "accountNumber": "000123456789",
        "routingNumber": "211589828",
        "accountHolderName": "A",
        "accountType": "CHECKING",
    }
    data = instruments.parse("ach", ach, single_use=False)
    assert instruments.fingerprint_material("ach", data) == b"ach|211589828|000123456789"
    assert instruments.display("ach", data) == (None, "6789")
    sepa = instruments.parse(
        "sepa", {"iban": "gb82 west 1234 5698 7654 32", "accountHolderName": "B"}, single_use=False
    )
    assert sepa["iban"] == "GB82WEST12345698765432"
    assert instruments.fingerprint_material("sepa", sepa) == b"GB82WEST12345698765432"
    with pytest.raises(InvalidInstrument):
        instruments.parse("ach", {**ach, "accountType": "GOLD"}, single_use=False)


def test_merge_keeps_the_number_and_replaces_the_rest() -> None:
    stored = instruments.parse(
        "card", {**CARD, "holderName": "Old", "billingAddress": {"zip": "1"}}, single_use=False
    )
    merged = instruments.merge("card", stored, {"holderName": "New"})
    assert merged == {
        "cardNum": "4111111111111111",
        "cardExpiry": {"month": 12, "year": 2050},
        "holderName": "New",
    }
    with pytest.raises(InvalidInstrument) as exc:
        instruments.merge("card", stored, {"cardNum": "5200400000000009"})
    assert fields(exc) == {"instrument.cardNum"}
    assert instruments.merge("card", stored, {"cardNum": "4111111111111111"})["cardNum"]


@pytest.mark.parametrize("number", ["33665", "336657", "123456789012"])
def test_eft_accepts_five_to_twelve_digit_account_numbers(number: str) -> None:
    eft = {"accountNumber": number, "transitNumber": "25039", "institutionId": "001"}
    data = instruments.parse("eft", {**eft, "accountHolderName": "X"}, single_use=False)
    assert data["accountNumber"] == number


@pytest.mark.parametrize("number", ["3366", "1234567890123"])
def test_eft_refuses_account_numbers_outside_five_to_twelve_digits(number: str) -> None:
    eft = {"accountNumber": number, "transitNumber": "25039", "institutionId": "001"}
    with pytest.raises(InvalidInstrument) as exc:
        instruments.parse("eft", {**eft, "accountHolderName": "X"}, single_use=False)
    assert fields(exc) == {"instrument.accountNumber"}
    # Other kinds keep their own bounds: a 4-digit ACH account is still accepted.
    ach = {"accountNumber": "3366", "routingNumber": "123456789", "accountType": "CHECKING"}
    assert instruments.parse("ach", {**ach, "accountHolderName": "X"}, single_use=False)
