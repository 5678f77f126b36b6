"""The domain's refusals carry the id they are about, as their message and as an attribute: the
API builds Paysafe's error (and the 7503/7505 links to the existing resource) from them."""

from __future__ import annotations

import uuid

import pytest

from service.domain import errors

ID = uuid.uuid4()


@pytest.mark.parametrize(
    ("refusal", "attribute"),
    [
        (errors.ProfileNotFound, "profile_id"),
        (errors.AddressNotFound, "address_id"),
        (errors.CardNotFound, "card_id"),
        (errors.BankAccountNotFound, "bank_account_id"),
        (errors.MandateNotFound, "mandate_id"),
        (errors.MerchantCustomerIdTaken, "existing_profile_id"),
        (errors.CardAlreadyOnProfile, "existing_card_id"),
    ],
)
def test_a_refusal_names_its_resource(refusal: type[errors.DomainError], attribute: str) -> None:
    refused = refusal(ID)
    assert getattr(refused, attribute) == ID
    assert str(refused) == str(ID)
    assert refused.args == (str(ID),)
    assert isinstance(refused, errors.DomainError)
