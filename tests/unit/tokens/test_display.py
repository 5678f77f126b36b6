import pytest

from service.tokens.instruments import display


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("4111111111111111", ("411111", "1111")),
        ("378282246310005", ("37828", "0005")),
        ("5018000000000", ("501", "0000")),
        ("501800000009", ("50", "0009")),
    ],
)
def test_at_least_six_card_digits_stay_hidden(number: str, shown: tuple[str, str]) -> None:
    bin_, last = display("card", {"cardNum": number})
    assert (bin_, last) == shown
    assert len(number) - len(bin_ or "") - len(last or "") >= 6


@pytest.mark.parametrize(
    ("number", "last"), [("1234", "4"), ("1234567", "4567"), ("987654321012", "1012")]
)
def test_short_account_numbers_are_never_shown_whole(number: str, last: str) -> None:
    assert display("ach", {"accountNumber": number}) == (None, last)
