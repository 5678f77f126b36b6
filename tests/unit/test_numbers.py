import pytest

from service.domain.numbers import card_brand, iban_valid, luhn_valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111111111111111", True), ("4111111111111112", False), ("5200400000000009", True),
     ("378282246310005", True), ("6011111111111117", True), ("79927398713", True),
     ("79927398710", False)],
)  # fmt: skip
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "brand"),
    [("4111111111111111", ("VI", "CREDIT")), ("4917300800000000", ("VE", "DEBIT")),
     ("5200400000000009", ("MC", "CREDIT")), ("2223000048400011", ("MC", "CREDIT")),
     ("378282246310005", ("AM", "CREDIT")), ("36227206271667", ("DC", "CREDIT")),
     ("6011111111111117", ("DI", "CREDIT")), ("3530111333300000", ("JC", "CREDIT")),
     ("6759649826438453", ("MD", "DEBIT")), ("9999999999999995", None)],
)  # fmt: skip
def test_card_brand_from_bin(number: str, brand: tuple[str, str] | None) -> None:
    assert card_brand(number) == brand


def test_iban_check() -> None:
    assert iban_valid("MD24AG000225100013104168")
    assert iban_valid("LB30099900000001001925579115")
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE89370400440532013001")
    assert not iban_valid("DE8937")
    assert not iban_valid("de89370400440532013000")
