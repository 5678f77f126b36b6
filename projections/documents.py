"""Paysafe resource documents, as the profile view stores them (nulls omitted, camelCase keys)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from events.types import AddressPersonal, ProfilePersonal

PROFILE_KEY_ORDER = (
    "id", "status", "merchantCustomerId", "locale", "firstName", "middleName", "lastName",
    "dateOfBirth", "ip", "gender", "nationality", "email", "phone", "cellPhone", "paymentToken",
)  # fmt: skip
ADDRESS_KEY_ORDER = (
    "id", "nickName", "street", "street2", "city", "country", "state", "zip", "recipientName",
    "phone", "defaultShippingAddressIndicator", "status",
)  # fmt: skip


DATE_OF_BIRTH_KEY_ORDER = ("year", "month", "day")


def ordered(document: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """Keys in Paysafe's order (jsonb does not keep it; no SDK depends on it, but people read it)."""
    out = {key: document[key] for key in order if key in document}
    if isinstance(out.get("dateOfBirth"), dict):
        out["dateOfBirth"] = ordered(out["dateOfBirth"], DATE_OF_BIRTH_KEY_ORDER)
    return out


def profile_attributes(
    status: str, locale: str, personal: ProfilePersonal | None
) -> dict[str, Any]:
    """Everything of a Profile resource but ``id`` and ``paymentToken``."""
    attributes: dict[str, Any] = {"status": status, "locale": locale}
    if personal is not None:
        attributes.update(msgspec.to_builtins(personal))
    return attributes


def address_document(
    address_id: uuid.UUID,
    status: str,
    country: str,
    default_shipping_address_indicator: bool,
    personal: AddressPersonal | None,
) -> dict[str, Any]:
    document: dict[str, Any] = {"id": str(address_id), "status": status, "country": country}
    if personal is not None:
        document.update(msgspec.to_builtins(personal))
    document["defaultShippingAddressIndicator"] = default_shipping_address_indicator
    return ordered(document, ADDRESS_KEY_ORDER)
