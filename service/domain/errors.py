"""Domain refusals. The HTTP layer maps each to its Paysafe error code."""

from __future__ import annotations

import uuid


class DomainError(Exception):
    pass


class ProfileNotFound(DomainError):
    def __init__(self, profile_id: uuid.UUID | str) -> None:
        super().__init__(str(profile_id))
        self.profile_id = profile_id


class AddressNotFound(DomainError):
    def __init__(self, address_id: uuid.UUID | str) -> None:
        super().__init__(str(address_id))
        self.address_id = address_id


class ProfileAlreadyExists(DomainError):
    pass


class MerchantCustomerIdTaken(DomainError):
    """merchantCustomerId is unique per merchant (Paysafe 7505)."""

    def __init__(self, existing_profile_id: uuid.UUID) -> None:
        super().__init__(str(existing_profile_id))
        self.existing_profile_id = existing_profile_id


class ConcurrentModification(DomainError):
    """The profile kept changing under us for every bounded retry."""


class CardNotFound(DomainError):
    def __init__(self, card_id: uuid.UUID | str) -> None:
        super().__init__(str(card_id))
        self.card_id = card_id


class BankAccountNotFound(DomainError):
    def __init__(self, bank_account_id: uuid.UUID | str) -> None:
        super().__init__(str(bank_account_id))
        self.bank_account_id = bank_account_id


class MandateNotFound(DomainError):
    def __init__(self, mandate_id: uuid.UUID | str) -> None:
        super().__init__(str(mandate_id))
        self.mandate_id = mandate_id


class CardAlreadyOnProfile(DomainError):
    """The same card number (by fingerprint) is already vaulted on this profile (Paysafe 7503)."""

    def __init__(self, existing_card_id: uuid.UUID) -> None:
        super().__init__(str(existing_card_id))
        self.existing_card_id = existing_card_id


class MandateClosed(DomainError):
    """A declined, cancelled, rejected, disputed or inactive mandate does not change status again."""


class BillingAddressNotFound(DomainError):
    """billingAddressId names no address of this profile (Paysafe 7511)."""
