"""The Profile aggregate's state: what ``evolve`` folds the profile's events into."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from events.types import (
    AccountType,
    AddressPersonal,
    AddressStatus,
    BankAccountKind,
    BankAccountPersonal,
    BankAccountStatus,
    CardExpiry,
    CardPersonal,
    CardStatus,
    MandateStatus,
    ProfilePersonal,
    ProfileStatus,
)


@dataclass(frozen=True, kw_only=True)
class Address:
    address_id: uuid.UUID
    status: AddressStatus
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


@dataclass(frozen=True, kw_only=True)
class Card:
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
    network_effective_at: str | None = None  # the last network update applied (account updater)


@dataclass(frozen=True, kw_only=True)
class BankAccount:
    bank_account_id: uuid.UUID
    kind: BankAccountKind
    payment_token: str
    status: BankAccountStatus
    last_digits: str
    fingerprint: str
    account_type: AccountType | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal | None


@dataclass(frozen=True, kw_only=True)
class Mandate:
    mandate_id: uuid.UUID
    bank_account_id: uuid.UUID
    payment_token: str
    reference: str
    status: MandateStatus
    status_change_date: str


@dataclass(frozen=True, kw_only=True)
class Profile:
    profile_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_token: str
    status: ProfileStatus
    locale: str
    personal: ProfilePersonal | None
    addresses: dict[uuid.UUID, Address] = field(default_factory=dict)
    cards: dict[uuid.UUID, Card] = field(default_factory=dict)
    bank_accounts: dict[uuid.UUID, BankAccount] = field(default_factory=dict)
    mandates: dict[uuid.UUID, Mandate] = field(default_factory=dict)
    deleted: bool = False

    @property
    def merchant_customer_id(self) -> str | None:
        return self.personal.merchant_customer_id if self.personal else None

    def payment_tokens(self) -> list[str]:
        """Every instrument token the profile holds (to destroy in the token service on delete)."""
        return [
            *(c.payment_token for c in self.cards.values()),
            *(m.payment_token for m in self.mandates.values()),
            *(b.payment_token for b in self.bank_accounts.values()),
        ]
