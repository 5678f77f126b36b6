"""The profile stream's event types.

Each payload splits into plain fields (identifiers, enums the read side filters on) and one
``personal`` struct. The codec seals ``personal`` with the profile's data key before anything is
stored, so a payload at rest or in Kafka never carries a name, e-mail, phone number, date of birth, IP
address or address line in the clear. ``personal`` decodes to ``None`` once the key is destroyed.

Instrument events (cards, bank accounts) will carry only the token, BIN, last digits, brand, expiry
and fingerprint id: never a full number, a CVV or an IBAN.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import msgspec


class DateOfBirth(msgspec.Struct, frozen=True):
    year: int
    month: int
    day: int


class ProfilePersonal(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    merchant_customer_id: str
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    date_of_birth: DateOfBirth | None = None
    ip: str | None = None
    gender: str | None = None
    nationality: str | None = None
    email: str | None = None
    phone: str | None = None
    cell_phone: str | None = None


class AddressPersonal(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    nick_name: str | None = None
    street: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    recipient_name: str | None = None
    phone: str | None = None


class Event(msgspec.Struct, frozen=True, rename="camel"):
    """Base of every domain event; ``event_type`` and ``schema_version`` name the stored shape."""

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


class ProfileCreated(Event, frozen=True):
    event_type: ClassVar[str] = "ProfileCreated"

    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_token: str
    status: str
    locale: str
    personal: ProfilePersonal | None


class ProfileUpdated(Event, frozen=True):
    """A full replacement of the profile's updatable fields (Paysafe PUT semantics)."""

    event_type: ClassVar[str] = "ProfileUpdated"

    status: str
    locale: str
    personal: ProfilePersonal | None


class ProfileDeleted(Event, frozen=True):
    event_type: ClassVar[str] = "ProfileDeleted"

    profile_id: uuid.UUID


class AddressAdded(Event, frozen=True):
    event_type: ClassVar[str] = "AddressAdded"

    address_id: uuid.UUID
    status: str
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


class AddressUpdated(Event, frozen=True):
    event_type: ClassVar[str] = "AddressUpdated"

    address_id: uuid.UUID
    status: str
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


class AddressRemoved(Event, frozen=True):
    event_type: ClassVar[str] = "AddressRemoved"

    address_id: uuid.UUID


ProfileEvent = (
    ProfileCreated
    | ProfileUpdated
    | ProfileDeleted
    | AddressAdded
    | AddressUpdated
    | AddressRemoved
)

EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        ProfileCreated,
        ProfileUpdated,
        ProfileDeleted,
        AddressAdded,
        AddressUpdated,
        AddressRemoved,
    )
}
