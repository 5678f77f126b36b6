"""Paysafe resource documents, as the profile view stores them (nulls omitted, camelCase keys).

Their shapes, key order included, are declared once in ``projections.shapes``."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from events.types import AddressPersonal, ProfilePersonal
from projections import shapes


def _keys(shape: type[msgspec.Struct]) -> tuple[str, ...]:
    return tuple(field.encode_name for field in msgspec.structs.fields(shape))


# The sub-collections that fields=… embeds come after the profile's own keys.
PROFILE_COLLECTIONS = (
    "addresses", "cards", "achBankAccounts", "eftBankAccounts", "bacsBankAccounts",
    "sepaBankAccounts",
)  # fmt: skip
PROFILE_KEY_ORDER = tuple(k for k in _keys(shapes.Profile) if k not in PROFILE_COLLECTIONS)
ADDRESS_KEY_ORDER = _keys(shapes.Address)
DATE_OF_BIRTH_KEY_ORDER = _keys(shapes.DateOfBirth)
CARD_EXPIRY_KEY_ORDER = _keys(shapes.CardExpiry)
CARD_KEY_ORDER = _keys(shapes.Card)
MANDATE_KEY_ORDER = _keys(shapes.Mandate)
# Every kind's keys, in the order each kind's shape lists its own.
BANK_ACCOUNT_KEY_ORDER = (
    "id", "nickName", "merchantRefNum", "status", "accountHolderName", "lastDigits",
    "billingAddressId", "paymentToken", "accountType", "routingNumber", "transitNumber",
    "institutionId", "sortCode", "bic",
)  # fmt: skip


def ordered(document: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """Keys in Paysafe's order (jsonb does not keep it; no SDK depends on it, but people read it)."""
    out = {key: document[key] for key in order if key in document}
    if isinstance(out.get("dateOfBirth"), dict):
        out["dateOfBirth"] = ordered(out["dateOfBirth"], DATE_OF_BIRTH_KEY_ORDER)
    if isinstance(out.get("cardExpiry"), dict):
        out["cardExpiry"] = ordered(out["cardExpiry"], CARD_EXPIRY_KEY_ORDER)
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


def card_document(card: Any) -> dict[str, Any]:
    """A Card resource from a CardAdded event or the aggregate's card state (same attributes)."""
    document: dict[str, Any] = {
        "status": card.status,
        "id": str(card.card_id),
        "cardBin": card.card_bin,
        "lastDigits": card.last_digits,
        "cardExpiry": {"year": card.card_expiry.year, "month": card.card_expiry.month},
        "cardType": card.card_type,
        "cardCategory": card.card_category,
        "paymentToken": card.payment_token,
        "defaultCardIndicator": card.default_card_indicator,
    }
    if card.billing_address_id is not None:
        document["billingAddressId"] = str(card.billing_address_id)
    if card.single_use_token is not None:
        document["singleUseToken"] = card.single_use_token
    if card.personal is not None:
        document.update(msgspec.to_builtins(card.personal))
    return ordered(document, CARD_KEY_ORDER)


def card_replacement(card_expiry: Any, billing_address_id: Any, personal: Any) -> dict[str, Any]:
    """The updatable part of a Card resource (CardUpdated)."""
    document: dict[str, Any] = {
        "cardExpiry": {"year": card_expiry.year, "month": card_expiry.month}
    }
    if billing_address_id is not None:
        document["billingAddressId"] = str(billing_address_id)
    if personal is not None:
        document.update(msgspec.to_builtins(personal))
    return document


def network_patch(event: Any) -> dict[str, Any]:
    """What a network card update changes in a Card resource (merged into the stored one)."""
    document: dict[str, Any] = {}
    if getattr(event, "card_bin", None) is not None:
        document.update(
            cardBin=event.card_bin, lastDigits=event.last_digits, cardType=event.card_type
        )
        if event.card_category is not None:
            document["cardCategory"] = event.card_category
    if event.card_expiry is not None:
        document["cardExpiry"] = {"year": event.card_expiry.year, "month": event.card_expiry.month}
    return document


def bank_account_document(account: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": str(account.bank_account_id),
        "status": account.status,
        "lastDigits": account.last_digits,
        "paymentToken": account.payment_token,
        **bank_account_replacement(
            account.account_type, account.billing_address_id, account.personal
        ),
    }
    return ordered(document, BANK_ACCOUNT_KEY_ORDER)


def bank_account_replacement(
    account_type: str | None, billing_address_id: Any, personal: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if account_type is not None:
        document["accountType"] = account_type
    if billing_address_id is not None:
        document["billingAddressId"] = str(billing_address_id)
    if personal is not None:
        document.update(msgspec.to_builtins(personal))
    return document


def mandate_document(mandate: Any) -> dict[str, Any]:
    return {
        "id": str(mandate.mandate_id),
        "reference": mandate.reference,
        "bankAccountId": str(mandate.bank_account_id),
        "status": mandate.status,
        "statusChangeDate": mandate.status_change_date,
        "paymentToken": mandate.payment_token,
    }
