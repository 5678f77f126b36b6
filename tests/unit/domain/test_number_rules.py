"""The boundaries of the IBAN check (ISO 13616: 15 to 34 characters, two letters, two check digits,
mod 97) and of merchantCustomerId normalisation (which characters are refused, which are mapped)."""

from __future__ import annotations

import itertools
import string

import pytest

from service.domain.customer_ids import normalize_customer_id
from service.domain.numbers import iban_valid, normalise_iban

ALNUM = string.digits + string.ascii_uppercase


def checksummed(start: str, length: int) -> str:
    """``start`` padded with zeros to ``length`` and two final characters that make mod 97 == 1,
    whatever ``start`` holds: a string that only the other rules can refuse."""
    body = start.ljust(length - 2, "0")
    for a, b in itertools.product(ALNUM, repeat=2):
        candidate = body + a + b
        rearranged = candidate[4:] + candidate[:4]
        if int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1:
            return candidate
    raise AssertionError(f"no checksum for {start!r}")


@pytest.mark.parametrize("length", [15, 16, 22, 33, 34])
def test_an_iban_of_15_to_34_characters_with_a_good_checksum_is_valid(length: int) -> None:
    assert iban_valid(checksummed("GB00", length))


@pytest.mark.parametrize("length", [13, 14, 35, 36])
def test_an_iban_shorter_than_15_or_longer_than_34_is_refused(length: int) -> None:
    assert not iban_valid(checksummed("GB00", length))


@pytest.mark.parametrize(
    "start",
    ["1B00", "G100", "12", "GBA0", "GB0A", "GBAA"],
    ids=["digit first", "digit second", "no letters", "letter third", "letter fourth", "no digits"],
)
def test_an_iban_must_start_with_two_letters_and_two_digits(start: str) -> None:
    assert not iban_valid(checksummed(start, 22))


def test_a_real_15_character_iban_is_valid_and_one_wrong_digit_is_not() -> None:
    assert iban_valid("NO9386011117947")
    assert not iban_valid("NO9386011117948")


def test_an_iban_is_normalised_without_spaces_in_capitals() -> None:
    assert normalise_iban(" gb82 west 1234\t5698 7654 32\n") == "GB82WEST12345698765432"


@pytest.mark.parametrize(
    "refused",
    ["a\ud800b", "a\ue000b", "a\U000f0000b", "a\u0378b", "a\U000e0001b"],
    ids=["surrogate", "private use", "supplementary private use", "unassigned", "language tag"],
)
def test_surrogates_private_use_and_unassigned_characters_are_refused(refused: str) -> None:
    assert normalize_customer_id(refused) is None


@pytest.mark.parametrize(
    "invisible", ["\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f", "\u17b4", "\u17b5"]
)
def test_each_blank_looking_filler_is_refused(invisible: str) -> None:
    assert normalize_customer_id(f"id{invisible}7") is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("\uff01x", "!x"),  # U+FF01, the first of the width forms in use
        ("x\uffe8", "x\u2502"),  # U+FFE8 halfwidth forms light vertical, near the end
        ("\u2460", "\u2460"),  # circled digit one: a compatibility character, not a width form
        ("\ufb01le", "\ufb01le"),  # the fi ligature: kept
        ("x\u00b2", "x\u00b2"),  # superscript two: kept
    ],
)
def test_only_fullwidth_and_halfwidth_forms_are_mapped_to_their_ordinary_characters(
    raw: str, normalised: str
) -> None:
    assert normalize_customer_id(raw) == normalised
