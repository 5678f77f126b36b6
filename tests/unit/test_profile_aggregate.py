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
    events = decide(None, agg.CreateProfile(P, M, "Ptok", "ACTIVE", "en_US", PERSONAL))
    state = agg.fold(events)
    assert state is not None
    return state


def test_create_then_update_keeps_identity() -> None:
    state = created_state()
    events = decide(state, agg.UpdateProfile(None, "fr_CA", ProfilePersonal("c2")))
    assert events == [ProfileUpdated("ACTIVE", "fr_CA", ProfilePersonal("c2"))]
    after = agg.evolve(state, events[0])
    assert (after.payment_token, after.merchant_id, after.locale) == ("Ptok", M, "fr_CA")
    assert after.personal.first_name is None  # full replacement
    assert agg.evolve(after, ProfileUpdated("INITIAL", "en_US", PERSONAL)).status == "INITIAL"


def test_create_twice_is_refused() -> None:
    with pytest.raises(ProfileAlreadyExists):
        decide(created_state(), agg.CreateProfile(P, M, "Ptok", "ACTIVE", "en_US", PERSONAL))


@pytest.mark.parametrize(
    "command",
    [
        agg.UpdateProfile(None, "en_US", PERSONAL),
        agg.DeleteProfile(),
        agg.AddAddress(uuid.uuid4(), "US", False, AddressPersonal(zip="1")),
    ],
)
def test_missing_deleted_or_foreign_profiles_are_not_found(command: agg.Command) -> None:
    with pytest.raises(ProfileNotFound):
        decide(None, command)
    with pytest.raises(ProfileNotFound):
        decide(created_state(), command, merchant=OTHER)
    deleted = agg.evolve(created_state(), ProfileDeleted(P))
    with pytest.raises(ProfileNotFound):
        decide(deleted, command)


def test_address_lifecycle() -> None:
    state = created_state()
    aid = uuid.uuid4()
    [added] = decide(state, agg.AddAddress(aid, "CA", True, AddressPersonal(zip="M5H")))
    assert isinstance(added, AddressAdded) and added.status == "ACTIVE"
    state = agg.evolve(state, added)
    [updated] = decide(state, agg.UpdateAddress(aid, "US", False, AddressPersonal(zip="10014")))
    state = agg.evolve(state, updated)
    assert state.addresses[aid].country == "US"
    assert decide(state, agg.RemoveAddress(aid)) == [AddressRemoved(aid)]
    state = agg.evolve(state, AddressRemoved(aid))
    with pytest.raises(AddressNotFound):
        decide(state, agg.RemoveAddress(aid))
    with pytest.raises(AddressNotFound):
        decide(state, agg.UpdateAddress(aid, "US", False, AddressPersonal()))


def test_evolve_refuses_history_without_creation() -> None:
    with pytest.raises(ValueError):
        agg.evolve(None, ProfileUpdated("ACTIVE", "en_US", PERSONAL))
    assert isinstance(agg.fold([ProfileCreated(P, M, "P", "ACTIVE", "en_US", None)]), agg.Profile)
