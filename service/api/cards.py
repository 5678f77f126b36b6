"""Card resources: /customervault/v1/profiles/{pid}/cards[/{cid}].

Order of effects, chosen so every failure leaves the safe state. Create: tokenize first (the
number goes to the token service), then append; if the append is refused the fresh token is
destroyed again. Delete: destroy the token first, then append the removal; a failure in between
leaves a card whose token no longer pays (5500), never a removed card whose token still would.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from aiohttp import web

from projections.documents import card_document
from service.adapters.token_service import TokenRefused
from service.api import errors
from service.api.context import TOKENS, VIEW, execute, merchant_of, require_profile
from service.api.errors import FieldError, PaysafeError
from service.api.http import empty_ok, json_response, path_id, read_json
from service.api.instrument_wire import NOT_FOUND, CardBody, parse_card
from service.api.routing import url_for
from service.api.validation import Checker
from service.api.views import STORED_CREDENTIAL
from service.api.wire import ADDRESS_RULES, address_body
from service.domain import commands as c
from service.domain.errors import BillingAddressNotFound, CardNotFound
from service.domain.numbers import card_brand


def _new_address(data: dict[str, Any] | None) -> c.NewAddress | None:
    if not data:
        return None
    checker = Checker(data)
    body = address_body(checker, ADDRESS_RULES)
    if body is None:
        return None
    return c.NewAddress(
        uuid.uuid4(), body.country, body.default_shipping_address_indicator, body.personal
    )


async def vault_card(request: web.Request, body: CardBody, field_prefix: str = "") -> c.NewCard:
    """Hand the card to the token service (or redeem its single-use token); the returned NewCard
    holds only the token and masked data."""
    merchant = merchant_of(request)
    tokens = request.app[TOKENS]
    if body.single_use_token is not None:
        # Redeeming consumes the single-use token: refuse what can be refused before that.
        await billing_address_of(request, request.match_info.get("pid"), body.billing_address_id)
        try:
            redeemed = await tokens.redeem(merchant, body.single_use_token)
        except TokenRefused:
            raise errors.invalid([FieldError(f"{field_prefix}singleUseToken", NOT_FOUND)]) from None
        brand = card_brand(redeemed.bin or "")
        if brand is None or redeemed.card_expiry is None or redeemed.fingerprint is None:
            await tokens.delete(merchant, redeemed.token)
            raise PaysafeError(errors.INVALID_BRAND)
        personal = body.personal
        if personal.holder_name is None and redeemed.holder_name:
            personal = type(personal)(
                redeemed.holder_name, personal.nick_name, personal.merchant_ref_num
            )
        return c.NewCard(
            card_id=uuid.uuid4(),
            payment_token=redeemed.token,
            card_bin=redeemed.bin or "",
            last_digits=redeemed.last_digits or "",
            card_type=brand[0],
            card_category=brand[1],
            card_expiry=redeemed.card_expiry,
            fingerprint=redeemed.fingerprint,
            default_card_indicator=bool(body.default_card_indicator),
            billing_address_id=body.billing_address_id,
            billing_address=None
            if body.billing_address_id
            else _new_address(redeemed.billing_address),
            single_use_token=body.single_use_token,
            personal=personal,
        )
    if body.card_type is None or body.card_category is None or body.card_expiry is None:
        raise PaysafeError(errors.INVALID_BRAND)
    billing = body.billing_address
    instrument = body.for_token_service()
    if billing is not None:
        instrument["billingAddress"] = {
            "country": billing.country,
            **_personal_dict(billing.personal),
        }
    elif body.billing_address_id is not None:
        # Checked before anything is tokenized: an unknown address leaves no token behind.
        instrument["billingAddress"] = await billing_address_of(
            request, request.match_info.get("pid"), body.billing_address_id
        )
    tokenized = await tokens.tokenize(merchant, "card", instrument)
    return c.NewCard(
        card_id=uuid.uuid4(),
        payment_token=tokenized.token,
        card_bin=tokenized.bin or "",
        last_digits=tokenized.last_digits or "",
        card_type=body.card_type,
        card_category=body.card_category,
        card_expiry=body.card_expiry,
        fingerprint=tokenized.fingerprint or "",
        default_card_indicator=bool(body.default_card_indicator),
        billing_address_id=body.billing_address_id,
        billing_address=None
        if billing is None
        else c.NewAddress(
            uuid.uuid4(),
            billing.country,
            billing.default_shipping_address_indicator,
            billing.personal,
        ),
        single_use_token=None,
        personal=body.personal,
    )


async def billing_address_of(
    request: web.Request, profile_id: uuid.UUID | str | None, address_id: uuid.UUID | None
) -> dict[str, Any] | None:
    """The address a card is billed to, as the token service keeps it; 7511 when it is not one of
    the profile's addresses."""
    if address_id is None:
        return None
    try:
        pid = uuid.UUID(str(profile_id))
    except ValueError:
        raise BillingAddressNotFound(str(address_id)) from None
    document = await request.app[VIEW].address(merchant_of(request), pid, address_id)
    if document is None:
        raise BillingAddressNotFound(str(address_id))
    return {k: v for k, v in document.items() if k not in _NOT_BILLING_FIELDS}


_NOT_BILLING_FIELDS = frozenset({"id", "status", "defaultShippingAddressIndicator", "nickName"})


def billing_copy(address: Any) -> dict[str, Any]:
    """The token service's copy of an address a card is billed to (the AVS data of a payment)."""
    document = {"country": address.country, **_personal_dict(address.personal)}
    return {k: v for k, v in document.items() if k not in _NOT_BILLING_FIELDS}


async def sync_billing_address(
    request: web.Request, before: Any, after: Any, address_id: uuid.UUID
) -> None:
    """After an address changed or went, bring the token service's copy on every card billed to
    it in line: the new address, or none. Expiry and holder are resent because the token
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
        await request.app[TOKENS].update(
            merchant_of(request), card.payment_token, instrument=instrument
        )


def _personal_dict(personal: object) -> dict[str, Any]:
    return dict(msgspec.to_builtins(personal))


def render_card(card: Any, *, stored_credential: bool) -> dict[str, Any]:
    document = card_document(card)
    return {**document, **STORED_CREDENTIAL} if stored_credential else document


async def create_card(request: web.Request) -> web.Response:
    profile_id = path_id(request, "pid")
    body = parse_card(await read_json(request), creating=True)
    await require_profile(request, profile_id)
    new = await vault_card(request, body)
    try:
        outcome = await execute(request, profile_id, c.AddCard(new))
    except Exception:
        await request.app[TOKENS].delete(merchant_of(request), new.payment_token)
        raise
    card = outcome.state.cards[new.card_id]
    location = url_for(request, "card", pid=profile_id, cid=card.card_id)
    return json_response(render_card(card, stored_credential=True), 201, {"Location": location})


async def get_card(request: web.Request) -> web.Response:
    profile_id, card_id = path_id(request, "pid"), path_id(request, "cid")
    found = await request.app[VIEW].card(merchant_of(request), profile_id, card_id)
    if found is None:
        raise CardNotFound(card_id)
    return json_response(found[0])


async def update_card(request: web.Request) -> web.Response:
    profile_id, card_id = path_id(request, "pid"), path_id(request, "cid")
    body = parse_card(await read_json(request), creating=False)
    found = await request.app[VIEW].card(merchant_of(request), profile_id, card_id)
    if found is None:
        raise CardNotFound(card_id)
    command = c.UpdateCard(
        card_id,
        body.card_expiry,
        body.default_card_indicator,
        body.billing_address_id,
        body.personal,
    )
    address = await billing_address_of(request, profile_id, body.billing_address_id)
    outcome = await execute(request, profile_id, command)
    # The token service keeps what a payment needs besides the number: expiry, holder and the
    # billing address (for AVS), replaced like the vault's card.
    instrument = {k: v for k, v in body.for_token_service().items() if k != "cardNum"}
    if address is not None:
        instrument["billingAddress"] = address
    await request.app[TOKENS].update(merchant_of(request), found[1], instrument=instrument)
    return json_response(render_card(outcome.state.cards[card_id], stored_credential=False))


async def delete_card(request: web.Request) -> web.Response:
    profile_id, card_id = path_id(request, "pid"), path_id(request, "cid")
    found = await request.app[VIEW].card(merchant_of(request), profile_id, card_id)
    if found is None:
        raise CardNotFound(card_id)
    await request.app[TOKENS].delete(merchant_of(request), found[1])
    await execute(request, profile_id, c.RemoveCard(card_id))
    return empty_ok()
