"""Commands the Profile aggregate decides on. Instrument commands carry what the token service
returned (token, BIN, last digits, fingerprint): the aggregate never sees a card or account number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from events.types import (
    AccountType,
    AddressPersonal,
    BankAccountKind,
    BankAccountPersonal,
    CardExpiry,
    CardPersonal,
    MandateStatus,
    ProfilePersonal,
    ProfileStatus,
)


@dataclass(frozen=True, kw_only=True)
class AddressDetails:
    """An address as a command gives it, declared once for the commands that carry one."""

    address_id: uuid.UUID
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal


@dataclass(frozen=True, kw_only=True)
class NewAddress(AddressDetails):
    """A card's nested ``billingAddress``: it becomes an address of the profile with the card."""


@dataclass(frozen=True, kw_only=True)
class NewCard:
    card_id: uuid.UUID
    payment_token: str
    card_bin: str
    last_digits: str
    card_type: str
    card_category: str
    card_expiry: CardExpiry
    fingerprint: str
    default_card_indicator: bool
    billing_address_id: uuid.UUID | None
    billing_address: NewAddress | None
    single_use_token: str | None
    personal: CardPersonal


@dataclass(frozen=True, kw_only=True)
class CreateProfile:
    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_token: str
    status: ProfileStatus
    locale: str
    personal: ProfilePersonal
    card: NewCard | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateProfile:
    """Full replacement of the updatable fields; ``status`` None keeps the current status."""

    status: ProfileStatus | None
    locale: str
    personal: ProfilePersonal


@dataclass(frozen=True, kw_only=True)
class DeleteProfile:
    pass


@dataclass(frozen=True, kw_only=True)
class AddAddress(AddressDetails):
    pass


@dataclass(frozen=True, kw_only=True)
class UpdateAddress(AddressDetails):
    """Full replacement of the address's fields (Paysafe PUT semantics)."""


@dataclass(frozen=True, kw_only=True)
class RemoveAddress:
    address_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AddCard:
    card: NewCard


@dataclass(frozen=True, kw_only=True)
class UpdateCard:
    """Full replacement of the card's updatable fields, except that a ``default_card_indicator``
    left out (None) keeps the card's default status, as Paysafe does."""

    card_id: uuid.UUID
    card_expiry: CardExpiry | None  # None: keep the current expiry
    default_card_indicator: bool | None
    billing_address_id: uuid.UUID | None
    personal: CardPersonal


@dataclass(frozen=True, kw_only=True)
class RemoveCard:
    card_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AddBankAccount:
    bank_account_id: uuid.UUID
    kind: BankAccountKind
    payment_token: str
    last_digits: str
    fingerprint: str
    account_type: AccountType | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal


@dataclass(frozen=True, kw_only=True)
class UpdateBankAccount:
    bank_account_id: uuid.UUID
    kind: BankAccountKind
    account_type: AccountType | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal


@dataclass(frozen=True, kw_only=True)
class RemoveBankAccount:
    bank_account_id: uuid.UUID
    kind: BankAccountKind


@dataclass(frozen=True, kw_only=True)
class AddMandate:
    mandate_id: uuid.UUID
    bank_account_id: uuid.UUID
    kind: BankAccountKind
    payment_token: str
    reference: str
    status_change_date: str


@dataclass(frozen=True, kw_only=True)
class ChangeMandateStatus:
    mandate_id: uuid.UUID
    status: MandateStatus
    status_change_date: str


@dataclass(frozen=True, kw_only=True)
class RemoveMandate:
    mandate_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class NetworkReplacement:
    """What the token service answered for a new number: never the number itself."""

    card_bin: str
    last_digits: str
    fingerprint: str


@dataclass(frozen=True, kw_only=True)
class ApplyNetworkUpdate:
    """A card network's update (account updater), already applied in the token service."""

    card_id: uuid.UUID
    message_id: str
    effective_at: str  # RFC 3339 in UTC: a card's updates apply in this order, each once
    card_expiry: CardExpiry | None = None
    replacement: NetworkReplacement | None = None
    closed: bool = False


Command = (
    CreateProfile
    | UpdateProfile
    | DeleteProfile
    | AddAddress
    | UpdateAddress
    | RemoveAddress
    | AddCard
    | UpdateCard
    | RemoveCard
    | AddBankAccount
    | UpdateBankAccount
    | RemoveBankAccount
    | AddMandate
    | ChangeMandateStatus
    | RemoveMandate
    | ApplyNetworkUpdate
)
