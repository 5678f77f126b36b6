"""The Profile aggregate: a customer's profile and its addresses, as pure functions.

``evolve(state, event) -> state`` folds history; ``decide(state, command) -> events`` validates a
command against the current state. Neither does I/O: the command handler loads, decides and appends.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Final

from msgspec.structs import replace as revised

from events.types import (
    AddressAdded,
    AddressRemoved,
    AddressUpdated,
    Event,
    ProfileCreated,
    ProfileDeleted,
    ProfileUpdated,
)
from service.domain import instruments, network
from service.domain import state as state_module
from service.domain.commands import (
    AddAddress,
    AddBankAccount,
    AddCard,
    AddMandate,
    ApplyNetworkUpdate,
    ChangeMandateStatus,
    Command,
    CreateProfile,
    DeleteProfile,
    NewAddress,
    NewCard,
    RemoveAddress,
    RemoveBankAccount,
    RemoveCard,
    RemoveMandate,
    UpdateAddress,
    UpdateBankAccount,
    UpdateCard,
    UpdateProfile,
)
from service.domain.errors import AddressNotFound, ProfileAlreadyExists, ProfileNotFound

ACTIVE: Final = "ACTIVE"

__all__ = [
    "ACTIVE", "AddAddress", "AddBankAccount", "AddCard", "AddMandate", "Address",
    "ChangeMandateStatus", "Command", "CreateProfile", "DeleteProfile", "NewAddress", "NewCard",
    "Profile", "RemoveAddress", "RemoveBankAccount", "RemoveCard", "RemoveMandate",
    "UpdateAddress", "UpdateBankAccount", "UpdateCard", "UpdateProfile", "decide", "evolve", "fold",
]  # fmt: skip


# State and commands live in their own modules, re-exported here: this module is the aggregate's
# entry point (``profile.decide``, ``profile.evolve``, ``profile.CreateProfile``…).
Address = state_module.Address
Profile = state_module.Profile


# --- evolve ----------------------------------------------------------------------------------------


def evolve(state: Profile | None, event: Event) -> Profile | None:
    match event:
        case ProfileCreated():
            return Profile(
                profile_id=event.profile_id,
                merchant_id=event.merchant_id,
                payment_token=event.payment_token,
                status=event.status,
                locale=event.locale,
                personal=event.personal,
            )
    if state is None:
        raise ValueError(f"{event.event_type} before ProfileCreated")
    match event:
        case ProfileUpdated():
            return replace(state, status=event.status, locale=event.locale, personal=event.personal)
        case ProfileDeleted():
            return replace(
                state, deleted=True, addresses={}, cards={}, bank_accounts={}, mandates={}
            )
        case AddressAdded() | AddressUpdated():
            address = Address(
                address_id=event.address_id,
                status=event.status,
                country=event.country,
                default_shipping_address_indicator=event.default_shipping_address_indicator,
                personal=event.personal,
            )
            return replace(state, addresses={**state.addresses, event.address_id: address})
        case AddressRemoved():
            remaining = {k: v for k, v in state.addresses.items() if k != event.address_id}
            # A card or account billed to the removed address keeps no dangling link.
            gone = event.address_id
            cards = {
                k: revised(v, billing_address_id=None) if v.billing_address_id == gone else v
                for k, v in state.cards.items()
            }
            accounts = {
                k: revised(v, billing_address_id=None) if v.billing_address_id == gone else v
                for k, v in state.bank_accounts.items()
            }
            return replace(state, addresses=remaining, cards=cards, bank_accounts=accounts)
    changed = instruments.evolve(state, event) or network.evolve(state, event)
    if changed is None:
        raise ValueError(f"unknown event {event.event_type}")
    return changed


def fold(events: list[Event]) -> Profile | None:
    state: Profile | None = None
    for event in events:
        state = evolve(state, event)
    return state


# --- decide ----------------------------------------------------------------------------------------


def _live(state: Profile | None, merchant_id: uuid.UUID, profile_id: uuid.UUID) -> Profile:
    # Another merchant's profile is indistinguishable from a missing one (Paysafe 5269).
    if state is None or state.deleted or state.merchant_id != merchant_id:
        raise ProfileNotFound(profile_id)
    return state


def _address(state: Profile, address_id: uuid.UUID) -> Address:
    try:
        return state.addresses[address_id]
    except KeyError:
        raise AddressNotFound(address_id) from None


def decide(
    state: Profile | None, command: Command, *, merchant_id: uuid.UUID, profile_id: uuid.UUID
) -> list[Event]:
    if isinstance(command, CreateProfile):
        if state is not None:
            raise ProfileAlreadyExists(str(command.profile_id))
        created = ProfileCreated(
            profile_id=command.profile_id,
            merchant_id=command.merchant_id,
            payment_token=command.payment_token,
            status=command.status,
            locale=command.locale,
            personal=command.personal,
        )
        if command.card is None:
            return [created]
        # A profile created with a nested card: the card is decided on the new profile.
        fresh = evolve(None, created)
        assert fresh is not None
        return [created, *instruments.add_card(fresh, command.card)]
    profile = _live(state, merchant_id, profile_id)
    match command:
        case UpdateProfile():
            return [
                ProfileUpdated(
                    status=command.status or profile.status,
                    locale=command.locale,
                    personal=command.personal,
                )
            ]
        case DeleteProfile():
            return [ProfileDeleted(profile_id=profile.profile_id)]
        case AddAddress():
            return [
                AddressAdded(
                    address_id=command.address_id,
                    status=ACTIVE,
                    country=command.country,
                    default_shipping_address_indicator=command.default_shipping_address_indicator,
                    personal=command.personal,
                )
            ]
        case UpdateAddress():
            current = _address(profile, command.address_id)
            return [
                AddressUpdated(
                    address_id=command.address_id,
                    status=current.status,
                    country=command.country,
                    default_shipping_address_indicator=command.default_shipping_address_indicator,
                    personal=command.personal,
                )
            ]
        case RemoveAddress():
            _address(profile, command.address_id)
            return [AddressRemoved(address_id=command.address_id)]
    if isinstance(command, ApplyNetworkUpdate):
        return network.decide(profile, command)
    return instruments.decide(profile, command)
