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
from typing import ClassVar, Literal

import msgspec

# Statuses and kinds, defined once: the events, the aggregate, the API's validation and its OpenAPI
# document all take them from here.
ProfileStatus = Literal["INITIAL", "ACTIVE"]
AddressStatus = Literal["ACTIVE", "INITIAL"]
CardStatus = Literal["ACTIVE", "INITIAL"]
BankAccountKind = Literal["ach", "eft", "bacs", "sepa"]
BankAccountStatus = Literal["ACTIVE", "INVALID", "INACTIVE"]
AccountType = Literal["CHECKING", "LOAN", "SAVINGS"]
MandateStatus = Literal[
    "INITIAL", "PENDING", "DECLINED", "BATCHED", "ACTIVE", "CANCELLED", "REJECTED", "DISPUTED",
    "INACTIVE",
]  # fmt: skip


class DateOfBirth(msgspec.Struct, frozen=True):
    year: int
    month: int
    day: int


class Personal(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """Base of the ``personal`` structs: what the codec seals with the profile's data key before an
    event is stored, and decodes as ``None`` once the key is destroyed. Absent fields are left out."""


class ProfilePersonal(Personal, frozen=True):
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


class AddressPersonal(Personal, frozen=True):
    nick_name: str | None = None
    street: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    recipient_name: str | None = None
    phone: str | None = None


class Event(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of every domain event; ``event_type`` and ``schema_version`` name the stored shape."""

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


class ProfileCreated(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "ProfileCreated"

    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_token: str
    status: ProfileStatus
    locale: str
    personal: ProfilePersonal | None


class ProfileUpdated(Event, frozen=True, kw_only=True):
    """A full replacement of the profile's updatable fields (Paysafe PUT semantics)."""

    event_type: ClassVar[str] = "ProfileUpdated"

    status: ProfileStatus
    locale: str
    personal: ProfilePersonal | None


class ProfileDeleted(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "ProfileDeleted"

    profile_id: uuid.UUID


class AddressAdded(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "AddressAdded"

    address_id: uuid.UUID
    status: AddressStatus
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


class AddressUpdated(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "AddressUpdated"

    address_id: uuid.UUID
    status: AddressStatus
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


class AddressRemoved(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "AddressRemoved"

    address_id: uuid.UUID


class CardExpiry(msgspec.Struct, frozen=True):
    month: int
    year: int


class CardPersonal(Personal, frozen=True):
    holder_name: str | None = None
    nick_name: str | None = None
    merchant_ref_num: str | None = None


class VaultedCard(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What the vault knows of a card: its token and masked data. Declared once for the event that
    adds a card and the aggregate's state of it (``service.domain.state.Card``)."""

    card_id: uuid.UUID
    payment_token: str
    status: CardStatus
    card_bin: str
    last_digits: str
    card_type: str
    card_category: str
    card_expiry: CardExpiry
    fingerprint: str
    default_card_indicator: bool
    billing_address_id: uuid.UUID | None
    single_use_token: str | None
    personal: CardPersonal | None


class CardAdded(Event, VaultedCard, frozen=True, kw_only=True):
    """A card vaulted on the profile. Only the token and masked data: the number and CVV stay in
    the token service."""

    event_type: ClassVar[str] = "CardAdded"


class CardUpdated(Event, frozen=True, kw_only=True):
    """Full replacement of the card's updatable fields (Paysafe PUT semantics)."""

    event_type: ClassVar[str] = "CardUpdated"

    card_id: uuid.UUID
    card_expiry: CardExpiry
    billing_address_id: uuid.UUID | None
    personal: CardPersonal | None


class DefaultCardChanged(Event, frozen=True, kw_only=True):
    """``card_id`` is now the profile's one default card (None: no default any more)."""

    event_type: ClassVar[str] = "DefaultCardChanged"

    card_id: uuid.UUID | None


class CardRemoved(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "CardRemoved"

    card_id: uuid.UUID


class BankAccountPersonal(Personal, frozen=True):
    account_holder_name: str | None = None
    nick_name: str | None = None
    merchant_ref_num: str | None = None
    routing_number: str | None = None
    transit_number: str | None = None
    institution_id: str | None = None
    sort_code: str | None = None
    bic: str | None = None


class VaultedBankAccount(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What the vault knows of a bank account: its token and last digits, never the number.
    Declared once for the event that adds one and the aggregate's state of it."""

    bank_account_id: uuid.UUID
    kind: BankAccountKind
    payment_token: str
    status: BankAccountStatus
    last_digits: str
    fingerprint: str
    account_type: AccountType | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal | None


class BankAccountAdded(Event, VaultedBankAccount, frozen=True, kw_only=True):
    """A bank account (ach, eft, bacs or sepa) vaulted on the profile, by token and last digits."""

    event_type: ClassVar[str] = "BankAccountAdded"


class BankAccountUpdated(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "BankAccountUpdated"

    bank_account_id: uuid.UUID
    account_type: AccountType | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal | None


class BankAccountRemoved(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "BankAccountRemoved"

    bank_account_id: uuid.UUID


class VaultedMandate(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A direct-debit mandate on one of the profile's bank accounts. Declared once for the event
    that adds one and the aggregate's state of it."""

    mandate_id: uuid.UUID
    bank_account_id: uuid.UUID
    payment_token: str
    reference: str
    status: MandateStatus
    status_change_date: str


class MandateAdded(Event, VaultedMandate, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "MandateAdded"


class MandateStatusChanged(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "MandateStatusChanged"

    mandate_id: uuid.UUID
    status: MandateStatus
    status_change_date: str


class MandateRemoved(Event, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "MandateRemoved"

    mandate_id: uuid.UUID


class CardExpiryUpdatedByNetwork(Event, frozen=True, kw_only=True):
    """A card network reported a new expiry date (account updater). ``message_id`` is the update
    message's id; ``effective_at`` orders a card's network updates (older ones are not applied)."""

    event_type: ClassVar[str] = "CardExpiryUpdatedByNetwork"

    card_id: uuid.UUID
    card_expiry: CardExpiry
    message_id: str
    effective_at: str


class CardNumberReplacedByNetwork(Event, frozen=True, kw_only=True):
    """A card network reissued the card under a new number; the payment token stays the same. Only
    the new BIN, last digits, brand and keyed fingerprint: the number is in the token service."""

    event_type: ClassVar[str] = "CardNumberReplacedByNetwork"
    # v2 added card_category: a reissue under another brand (Visa → Visa Electron) changes it.
    schema_version: ClassVar[int] = 2

    card_id: uuid.UUID
    card_bin: str
    last_digits: str
    card_type: str
    card_category: str | None  # None: not known from the BIN (and every v1 event): keep the card's
    fingerprint: str
    card_expiry: CardExpiry | None
    message_id: str
    effective_at: str


class CardClosedByNetwork(Event, frozen=True, kw_only=True):
    """A card network reported the account closed: the token is CLOSED in the token service and the
    card leaves the profile."""

    event_type: ClassVar[str] = "CardClosedByNetwork"

    card_id: uuid.UUID
    message_id: str
    effective_at: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        ProfileCreated,
        ProfileUpdated,
        ProfileDeleted,
        AddressAdded,
        AddressUpdated,
        AddressRemoved,
        CardAdded,
        CardUpdated,
        DefaultCardChanged,
        CardRemoved,
        BankAccountAdded,
        BankAccountUpdated,
        BankAccountRemoved,
        MandateAdded,
        MandateStatusChanged,
        MandateRemoved,
        CardExpiryUpdatedByNetwork,
        CardNumberReplacedByNetwork,
        CardClosedByNetwork,
    )
}
