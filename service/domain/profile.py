"""The Profile aggregate: a customer's profile and its addresses, as pure functions.

``evolve(state, event) -> state`` folds history; ``decide(state, command) -> events`` validates a
command against the current state. Neither does I/O: the command handler loads, decides and appends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    AddressUpdated,
    Event,
    ProfileCreated,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)
from service.domain.errors import AddressNotFound, ProfileAlreadyExists, ProfileNotFound

ACTIVE = "ACTIVE"


# --- state -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    address_id: uuid.UUID
    status: str
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


@dataclass(frozen=True)
class Profile:
    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_token: str
    status: str
    locale: str
    personal: ProfilePersonal | None
    addresses: dict[uuid.UUID, Address] = field(default_factory=dict)
    deleted: bool = False

    @property
    def merchant_customer_id(self) -> str | None:
        return self.personal.merchant_customer_id if self.personal else None


# --- commands --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateProfile:
    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_token: str
    status: str
    locale: str
    personal: ProfilePersonal


@dataclass(frozen=True)
class UpdateProfile:
    """Full replacement of the updatable fields; ``status`` None keeps the current status."""

    status: str | None
    locale: str
    personal: ProfilePersonal


@dataclass(frozen=True)
class DeleteProfile:
    pass


@dataclass(frozen=True)
class AddAddress:
    address_id: uuid.UUID
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal


@dataclass(frozen=True)
class UpdateAddress:
    address_id: uuid.UUID
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal


@dataclass(frozen=True)
class RemoveAddress:
    address_id: uuid.UUID


Command = CreateProfile | UpdateProfile | DeleteProfile | AddAddress | UpdateAddress | RemoveAddress


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
            return replace(state, deleted=True, addresses={})
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
            return replace(state, addresses=remaining)
    raise ValueError(f"unknown event {event.event_type}")


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
        return [
            ProfileCreated(
                profile_id=command.profile_id,
                merchant_id=command.merchant_id,
                payment_token=command.payment_token,
                status=command.status,
                locale=command.locale,
                personal=command.personal,
            )
        ]
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
    raise TypeError(f"unknown command {command!r}")
