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
