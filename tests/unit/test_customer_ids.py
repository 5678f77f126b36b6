"""merchantCustomerId normalization: variants a person reads as the same id are the same id."""

from __future__ import annotations

import pytest

from service.domain.customer_ids import normalize_customer_id


@pytest.mark.parametrize(
    "variant",
    [
        "Müller-42",
        "Mu\u0308ller-42",  # NFD
        "  Müller-42 ",
        "Müller-42\u3000",  # ideographic space
        "\uff2d\u00fc\uff4c\uff4c\uff45\uff52\uff0d\uff14\uff12",  # fullwidth
    ],
)
def test_variants_normalize_to_one_id(variant: str) -> None:
    assert normalize_customer_id(variant) == "Müller-42"


@pytest.mark.parametrize(
    "refused",
    [
        "",
        "   ",
        "\t",
        "\u200b",
        "a\u200bb",  # zero-width space inside
        "a\u200db",  # zero-width joiner
        "a\tb",
        "a\nb",
        "a\x00b",
        "\ufeffabc",  # BOM
        "a\u202eb",  # right-to-left override
        "a\u3164b",  # Hangul filler
    ],
)
def test_empty_control_and_invisible_ids_are_refused(refused: str) -> None:
    assert normalize_customer_id(refused) is None


def test_ordinary_ids_are_kept_as_they_are() -> None:
    for kept in ("cust-0001", "ACME/42", "顧客 7", "a b"):
        assert normalize_customer_id(kept) == kept
