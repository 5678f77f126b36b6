"""The Profile aggregate's state: what ``evolve`` folds the profile's events into.

The instruments (cards, bank accounts, mandates) carry the fields of the event that added them,
declared once in ``events.types``; they are msgspec structs like it, so they change with
``msgspec.structs.replace``. The profile and its addresses are dataclasses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from events.types import (
    AddressPersonal,
    AddressStatus,
    ProfilePersonal,
    ProfileStatus,
    VaultedBankAccount,
    VaultedCard,
    VaultedMandate,
)


@dataclass(frozen=True, kw_only=True)
class Address:
    address_id: uuid.UUID
    status: AddressStatus
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal | None


class Card(VaultedCard, frozen=True, kw_only=True):
    """A card on the profile: what ``CardAdded`` vaulted, as later events changed it."""

    network_effective_at: str | None = None  # the last network update applied (account updater)


class BankAccount(VaultedBankAccount, frozen=True, kw_only=True):
    """A bank account on the profile: what ``BankAccountAdded`` vaulted, as later events changed it."""


class Mandate(VaultedMandate, frozen=True, kw_only=True):
    """A mandate on the profile: what ``MandateAdded`` added, as later events changed it."""


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
