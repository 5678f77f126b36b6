"""The profile and address commands of the Profile aggregate, given/when/then: the exact events
``decide`` emits (every field), and the refusal (its type and the id it carries) when the command
does not apply."""

from __future__ import annotations

import uuid

import pytest

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    AddressUpdated,
    CardAdded,
    CardExpiry,
    CardPersonal,
    DefaultCardChanged,
    ProfileCreated,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)
from service.domain import commands as c
from service.domain import profile as agg
from service.domain.errors import (
    AddressNotFound,
    ProfileAlreadyExists,
    ProfileNotFound,
)
from tests.unit.domain.history import (
    HOME,
    HOME_ADDED,
    PERSONAL,
    M,
    P,
    given,
    when,
)

# --- the profile -----------------------------------------------------------------------------------


def test_creating_a_profile_records_every_field() -> None:
    command = c.CreateProfile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokNew",
        status="ACTIVE",
        locale="en_GB",
        personal=PERSONAL,
    )
    assert when(None, command) == [
        ProfileCreated(
            profile_id=P,
            merchant_id=M,
            payment_token="PtokNew",
            status="ACTIVE",
            locale="en_GB",
            personal=PERSONAL,
        )
    ]


def test_a_profile_created_with_a_card_and_its_address_adds_both_and_makes_it_the_default() -> None:
    address, card = uuid.uuid4(), uuid.uuid4()
    billing = c.NewAddress(
        address_id=address,
        country="DE",
        default_shipping_address_indicator=True,
        personal=AddressPersonal(city="Berlin"),
    )
    new = c.NewCard(
        card_id=card,
        payment_token="CtokNested",
        card_bin="411111",
        last_digits="1111",
        card_type="VI",
        card_category="CREDIT",
        card_expiry=CardExpiry(month=1, year=2032),
        fingerprint="fp-nested",
        default_card_indicator=False,
        billing_address_id=None,
        billing_address=billing,
        single_use_token="SUTnested",
        personal=CardPersonal(nick_name="travel"),
    )
    command = c.CreateProfile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokNew",
        status="INITIAL",
        locale="en_US",
        personal=PERSONAL,
        card=new,
    )
    events = when(None, command)
    assert events == [
        ProfileCreated(
            profile_id=P,
            merchant_id=M,
            payment_token="PtokNew",
            status="INITIAL",
            locale="en_US",
            personal=PERSONAL,
        ),
        AddressAdded(
            address_id=address,
            status="ACTIVE",
            country="DE",
            default_shipping_address_indicator=True,
            personal=AddressPersonal(city="Berlin"),
        ),
        CardAdded(
            card_id=card,
            payment_token="CtokNested",
            status="ACTIVE",
            card_bin="411111",
            last_digits="1111",
            card_type="VI",
            card_category="CREDIT",
            card_expiry=CardExpiry(month=1, year=2032),
            fingerprint="fp-nested",
            default_card_indicator=False,
            billing_address_id=address,
            single_use_token="SUTnested",
            personal=CardPersonal(nick_name="travel"),
        ),
        DefaultCardChanged(card_id=card),
    ]


def test_creating_a_profile_that_exists_is_refused_with_its_id() -> None:
    command = c.CreateProfile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokAgain",
        status="ACTIVE",
        locale="en_US",
        personal=PERSONAL,
    )
    with pytest.raises(ProfileAlreadyExists) as refused:
        when(given(), command)
    assert refused.value.args == (str(P),)


@pytest.mark.parametrize("status", ["ACTIVE", "INITIAL"])
def test_an_update_replaces_status_locale_and_personal_data(status: str) -> None:
    changed = ProfilePersonal(merchant_customer_id="cust-8", last_name="Lovelace")
    command = c.UpdateProfile(status=status, locale="de_DE", personal=changed)  # type: ignore[arg-type]
    assert when(given(), command) == [
        ProfileUpdated(status=status, locale="de_DE", personal=changed)  # type: ignore[arg-type]
    ]


def test_an_update_without_a_status_keeps_the_current_one() -> None:
    command = c.UpdateProfile(status=None, locale="de_DE", personal=None)  # type: ignore[arg-type]
    assert when(given(), command) == [
        ProfileUpdated(status="INITIAL", locale="de_DE", personal=None)
    ]


def test_deleting_a_profile_records_its_id() -> None:
    assert when(given(), c.DeleteProfile()) == [ProfileDeleted(profile_id=P)]


@pytest.mark.parametrize(
    "state",
    [None, given(ProfileDeleted(profile_id=P))],
    ids=["missing", "deleted"],
)
def test_a_missing_or_deleted_profile_is_not_found_under_the_asked_id(
    state: agg.Profile | None,
) -> None:
    asked = uuid.uuid4()
    with pytest.raises(ProfileNotFound) as refused:
        agg.decide(state, c.DeleteProfile(), merchant_id=M, profile_id=asked)
    assert refused.value.profile_id == asked


def test_another_merchants_profile_is_not_found() -> None:
    with pytest.raises(ProfileNotFound) as refused:
        agg.decide(given(), c.DeleteProfile(), merchant_id=uuid.uuid4(), profile_id=P)
    assert refused.value.profile_id == P
    assert when(given(), c.DeleteProfile())  # its own merchant may


# --- addresses -------------------------------------------------------------------------------------


def test_adding_an_address_records_it_active() -> None:
    address = uuid.uuid4()
    command = c.AddAddress(
        address_id=address,
        country="FR",
        default_shipping_address_indicator=True,
        personal=AddressPersonal(city="Paris"),
    )
    assert when(given(), command) == [
        AddressAdded(
            address_id=address,
            status="ACTIVE",
            country="FR",
            default_shipping_address_indicator=True,
            personal=AddressPersonal(city="Paris"),
        )
    ]


def test_updating_an_address_replaces_its_fields_and_keeps_its_status() -> None:
    command = c.UpdateAddress(
        address_id=HOME,
        country="IE",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(city="Cork"),
    )
    assert when(given(HOME_ADDED), command) == [
        AddressUpdated(
            address_id=HOME,
            status="INITIAL",  # the address's own status, not a fresh ACTIVE
            country="IE",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(city="Cork"),
        )
    ]


def test_removing_an_address_records_its_id() -> None:
    assert when(given(HOME_ADDED), c.RemoveAddress(address_id=HOME)) == [
        AddressRemoved(address_id=HOME)
    ]


@pytest.mark.parametrize(
    "command",
    [
        lambda a: c.RemoveAddress(address_id=a),
        lambda a: c.UpdateAddress(
            address_id=a,
            country="IE",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(),
        ),
    ],
    ids=["remove", "update"],
)
def test_an_unknown_address_is_not_found_under_its_id(command) -> None:  # type: ignore[no-untyped-def]
    unknown = uuid.uuid4()
    with pytest.raises(AddressNotFound) as refused:
        when(given(HOME_ADDED), command(unknown))
    assert refused.value.address_id == unknown
