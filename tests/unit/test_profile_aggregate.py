"""decide/evolve of the Profile aggregate (pure)."""

from __future__ import annotations

import uuid

import pytest

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    ProfileCreated,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)
from service.domain import profile as agg
from service.domain.errors import AddressNotFound, ProfileAlreadyExists, ProfileNotFound

M, OTHER, P = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PERSONAL = ProfilePersonal(merchant_customer_id="c1", first_name="Ada")


def decide(state: agg.Profile | None, command: agg.Command, merchant: uuid.UUID = M) -> list:
    return agg.decide(state, command, merchant_id=merchant, profile_id=P)


def created_state() -> agg.Profile:
    events = decide(
        None,
        agg.CreateProfile(
            profile_id=P,
            merchant_id=M,
            payment_token="Ptok",
            status="ACTIVE",
            locale="en_US",
            personal=PERSONAL,
        ),
    )
    state = agg.fold(events)
    assert state is not None
    return state


def test_create_then_update_keeps_identity() -> None:
    state = created_state()
    events = decide(
        state, agg.UpdateProfile(status=None, locale="fr_CA", personal=ProfilePersonal("c2"))
    )
    assert events == [
        ProfileUpdated(status="ACTIVE", locale="fr_CA", personal=ProfilePersonal("c2"))
    ]
    after = agg.evolve(state, events[0])
    assert (after.payment_token, after.merchant_id, after.locale) == ("Ptok", M, "fr_CA")
    assert after.personal.first_name is None  # full replacement
    assert (
        agg.evolve(
            after, ProfileUpdated(status="INITIAL", locale="en_US", personal=PERSONAL)
        ).status
        == "INITIAL"
    )


def test_create_twice_is_refused() -> None:
    with pytest.raises(ProfileAlreadyExists):
        decide(
            created_state(),
            agg.CreateProfile(
                profile_id=P,
                merchant_id=M,
                payment_token="Ptok",
                status="ACTIVE",
                locale="en_US",
                personal=PERSONAL,
            ),
        )


@pytest.mark.parametrize(
    "command",
    [
        agg.UpdateProfile(status=None, locale="en_US", personal=PERSONAL),
        agg.DeleteProfile(),
        agg.AddAddress(
            address_id=uuid.uuid4(),
            country="US",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(zip="1"),
        ),
    ],
)
def test_missing_deleted_or_foreign_profiles_are_not_found(command: agg.Command) -> None:
    with pytest.raises(ProfileNotFound):
        decide(None, command)
    with pytest.raises(ProfileNotFound):
        decide(created_state(), command, merchant=OTHER)
    deleted = agg.evolve(created_state(), ProfileDeleted(profile_id=P))
    with pytest.raises(ProfileNotFound):
        decide(deleted, command)


def test_address_lifecycle() -> None:
    state = created_state()
    aid = uuid.uuid4()
    [added] = decide(
        state,
        agg.AddAddress(
            address_id=aid,
            country="CA",
            default_shipping_address_indicator=True,
            personal=AddressPersonal(zip="M5H"),
        ),
    )
    assert isinstance(added, AddressAdded) and added.status == "ACTIVE"
    state = agg.evolve(state, added)
    [updated] = decide(
        state,
        agg.UpdateAddress(
            address_id=aid,
            country="US",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(zip="10014"),
        ),
    )
    state = agg.evolve(state, updated)
    assert state.addresses[aid].country == "US"
    assert decide(state, agg.RemoveAddress(address_id=aid)) == [AddressRemoved(address_id=aid)]
    state = agg.evolve(state, AddressRemoved(address_id=aid))
    with pytest.raises(AddressNotFound):
        decide(state, agg.RemoveAddress(address_id=aid))
    with pytest.raises(AddressNotFound):
        decide(
            state,
            agg.UpdateAddress(
                address_id=aid,
                country="US",
                default_shipping_address_indicator=False,
                personal=AddressPersonal(),
            ),
        )


def test_evolve_refuses_history_without_creation() -> None:
    with pytest.raises(ValueError):
        agg.evolve(None, ProfileUpdated(status="ACTIVE", locale="en_US", personal=PERSONAL))
    assert isinstance(
        agg.fold(
            [
                ProfileCreated(
                    profile_id=P,
                    merchant_id=M,
                    payment_token="P",
                    status="ACTIVE",
                    locale="en_US",
                    personal=None,
                )
            ]
        ),
        agg.Profile,
    )
