"""Cards and single-use tokens: the token-service calls around the Profile aggregate's card
commands, in the order that leaves every failure in the safe state.

Add: tokenize first (the number goes to the token service), then append within the tokenize
deadline; if the append is refused the fresh token is destroyed again. Remove: append the removal
first, then destroy the token (best effort): a failure in between leaves a live token no card
references, which reconciliation destroys, never a card whose token no longer pays (see
docs/crash-safety.md). Redeeming a single-use token consumes it, so whatever can be refused is refused
before it is redeemed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from events.types import AddressPersonal, CardExpiry, CardPersonal
from service.application.ports import Redeemed, Tokenized, TokenRefused
from service.application.session import Actor, ApplicationService
from service.domain import commands as c
from service.domain.errors import BillingAddressNotFound, CardNotFound, DomainError
from service.domain.numbers import card_brand
from service.domain.state import Address, Card, Profile


class UnknownCardBrand(DomainError):
    """The number belongs to no brand the vault accepts (Paysafe 7508)."""


class SingleUseTokenRefused(DomainError):
    """The single-use token is unknown, expired, already redeemed or another merchant's."""


@dataclass(frozen=True, kw_only=True)
class NewBillingAddress:
    country: str
    default_shipping_address_indicator: bool
    personal: AddressPersonal


@dataclass(frozen=True, kw_only=True)
class CardDetails:
    """A card to vault: either ``instrument`` (what the token service keeps: number, expiry,
    holder) with the brand read from the number, or a ``single_use_token`` to redeem."""

    instrument: dict[str, Any]
    personal: CardPersonal
    card_type: str | None = None
    card_category: str | None = None
    card_expiry: CardExpiry | None = None
    default_card_indicator: bool | None = None
    billing_address_id: uuid.UUID | None = None
    billing_address: NewBillingAddress | None = None
    single_use_token: str | None = None


_NOT_BILLING_FIELDS = frozenset({"id", "status", "defaultShippingAddressIndicator", "nickName"})


def _address_dict(country: str, personal: object) -> dict[str, Any]:
    return {"country": country, **msgspec.to_builtins(personal)}


def billing_copy(address: Address) -> dict[str, Any]:
    """The token service's copy of an address a card is billed to (the AVS data of a payment)."""
    document = _address_dict(address.country, address.personal)
    return {k: v for k, v in document.items() if k not in _NOT_BILLING_FIELDS}


def _billing_address(profile: Profile | None, address_id: uuid.UUID) -> Address:
    address = profile.addresses.get(address_id) if profile is not None else None
    if address is None:
        raise BillingAddressNotFound(str(address_id))
    return address


def _new_address(new: NewBillingAddress | None) -> c.NewAddress | None:
    if new is None:
        return None
    return c.NewAddress(
        address_id=uuid.uuid4(),
        country=new.country,
        default_shipping_address_indicator=new.default_shipping_address_indicator,
        personal=new.personal,
    )


def _redeemed_address(redeemed: Redeemed) -> c.NewAddress | None:
    data = redeemed.billing_address
    country = data.get("country") if data else None
    if not data or not isinstance(country, str):
        return None
    fields = {k: v for k, v in data.items() if k != "country"}
    try:
        personal = msgspec.convert(fields, AddressPersonal)
    except msgspec.ValidationError:
        return None
    return c.NewAddress(
        address_id=uuid.uuid4(),
        country=country,
        default_shipping_address_indicator=False,
        personal=personal,
    )


class Cards(ApplicationService):
    async def vault(self, actor: Actor, profile: Profile | None, card: CardDetails) -> c.NewCard:
        """Hand the card to the token service (or redeem its single-use token); the NewCard holds
        only the token and masked data. ``profile`` None: the card comes with a new profile."""
        if card.single_use_token is not None:
            return await self._redeem(actor, profile, card, card.single_use_token)
        if card.card_type is None or card.card_category is None or card.card_expiry is None:
            raise UnknownCardBrand()
        instrument = dict(card.instrument)
        if card.billing_address is not None:
            new = card.billing_address
            instrument["billingAddress"] = _address_dict(new.country, new.personal)
        elif card.billing_address_id is not None:
            # Checked before anything is tokenized: an unknown address leaves no token behind.
            address = _billing_address(profile, card.billing_address_id)
            instrument["billingAddress"] = billing_copy(address)
        tokenized: Tokenized = await self.tokens.tokenize(actor.merchant_id, "card", instrument)
        return c.NewCard(
            card_id=uuid.uuid4(),
            payment_token=tokenized.token,
            card_bin=tokenized.bin or "",
            last_digits=tokenized.last_digits or "",
            card_type=card.card_type,
            card_category=card.card_category,
            card_expiry=card.card_expiry,
            fingerprint=tokenized.fingerprint or "",
            default_card_indicator=bool(card.default_card_indicator),
            billing_address_id=card.billing_address_id,
            billing_address=_new_address(card.billing_address),
            single_use_token=None,
            personal=card.personal,
        )

    async def _redeem(
        self, actor: Actor, profile: Profile | None, card: CardDetails, single_use_token: str
    ) -> c.NewCard:
        if card.billing_address_id is not None:
            _billing_address(profile, card.billing_address_id)
        try:
            redeemed = await self.tokens.redeem(actor.merchant_id, single_use_token)
        except TokenRefused:
            raise SingleUseTokenRefused(single_use_token) from None
        brand = card_brand(redeemed.bin or "")
        if brand is None or redeemed.card_expiry is None or redeemed.fingerprint is None:
            await self.tokens.delete(actor.merchant_id, redeemed.token)
            raise UnknownCardBrand()
        personal = card.personal
        if personal.holder_name is None and redeemed.holder_name:
            personal = msgspec.structs.replace(personal, holder_name=redeemed.holder_name)
        return c.NewCard(
            card_id=uuid.uuid4(),
            payment_token=redeemed.token,
            card_bin=redeemed.bin or "",
            last_digits=redeemed.last_digits or "",
            card_type=brand[0],
            card_category=brand[1],
            card_expiry=redeemed.card_expiry,
            fingerprint=redeemed.fingerprint,
            default_card_indicator=bool(card.default_card_indicator),
            billing_address_id=card.billing_address_id,
            billing_address=None if card.billing_address_id else _redeemed_address(redeemed),
            single_use_token=single_use_token,
            personal=personal,
        )

    async def add(self, actor: Actor, profile_id: uuid.UUID, card: CardDetails) -> Card:
        profile = await self.profile(actor, profile_id)
        new = await self.vault(actor, profile, card)
        command = c.AddCard(card=new)
        outcome = await self.run_with_fresh_token(actor, profile_id, new.payment_token, command)
        return outcome.state.cards[new.card_id]

    async def _card(self, actor: Actor, profile_id: uuid.UUID, card_id: uuid.UUID) -> Card:
        profile = await self.profile(actor, profile_id, CardNotFound(card_id))
        try:
            return profile.cards[card_id]
        except KeyError:
            raise CardNotFound(card_id) from None

    async def update(
        self, actor: Actor, profile_id: uuid.UUID, update: c.UpdateCard, instrument: dict[str, Any]
    ) -> Card:
        """Update the card, then the token service's copy: expiry, holder and the billing address
        (for AVS), replaced like the vault's card. ``instrument`` carries no number."""
        profile = await self.profile(actor, profile_id, CardNotFound(update.card_id))
        if update.card_id not in profile.cards:
            raise CardNotFound(update.card_id)
        instrument = dict(instrument)
        if update.billing_address_id is not None:
            address = _billing_address(profile, update.billing_address_id)
            instrument["billingAddress"] = billing_copy(address)
        outcome = await self.run(actor, profile_id, update)
        card = outcome.state.cards[update.card_id]
        await self.tokens.update(actor.merchant_id, card.payment_token, instrument=instrument)
        return card

    async def remove(self, actor: Actor, profile_id: uuid.UUID, card_id: uuid.UUID) -> None:
        await self._card(actor, profile_id, card_id)
        outcome = await self.run(actor, profile_id, c.RemoveCard(card_id=card_id))
        if outcome.before is not None:
            await self.destroy_tokens(actor, [outcome.before.cards[card_id].payment_token])

    async def sync_billing_address(
        self, actor: Actor, before: Profile, after: Profile, address_id: uuid.UUID
    ) -> None:
        """After an address changed or went, bring the token service's copy on every card billed
        to it in line: the new address, or none. Expiry and holder are resent because the token
        service's update is a full replacement too."""
        address = after.addresses.get(address_id)
        for card in before.cards.values():
            if card.billing_address_id != address_id:
                continue
            instrument: dict[str, Any] = {
                "cardExpiry": {"month": card.card_expiry.month, "year": card.card_expiry.year}
            }
            if card.personal is not None and card.personal.holder_name:
                instrument["holderName"] = card.personal.holder_name
            if address is not None:
                instrument["billingAddress"] = billing_copy(address)
            await self.tokens.update(actor.merchant_id, card.payment_token, instrument=instrument)

    async def single_use_token(self, actor: Actor, instrument: dict[str, Any]) -> Tokenized:
        """A card as a short-lived single-use token; the token service alone keeps its CVV."""
        return await self.tokens.tokenize(actor.merchant_id, "card", instrument, single_use=True)
