"""Card resources: /customervault/v1/profiles/{pid}/cards[/{cid}]. The token-service calls and
their order of effects live in service.application.cards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from projections.documents import card_document
from service.api.context import CARDS, VIEW, actor_of, merchant_of
from service.api.http import empty_ok, json_response, path_id, read_json
from service.api.instrument_wire import CardBody, parse_card, unknown_single_use_token
from service.api.routing import url_for
from service.api.views import STORED_CREDENTIAL
from service.application.cards import CardDetails, NewBillingAddress, SingleUseTokenRefused
from service.domain import commands as c
from service.domain.errors import CardNotFound


def card_details(body: CardBody) -> CardDetails:
    billing = body.billing_address
    return CardDetails(
        instrument=body.for_token_service() if body.single_use_token is None else {},
        personal=body.personal,
        card_type=body.card_type,
        card_category=body.card_category,
        card_expiry=body.card_expiry,
        default_card_indicator=body.default_card_indicator,
        billing_address_id=body.billing_address_id,
        billing_address=None
        if billing is None
        else NewBillingAddress(
            country=billing.country,
            default_shipping_address_indicator=billing.default_shipping_address_indicator,
            personal=billing.personal,
        ),
        single_use_token=body.single_use_token,
    )


@contextmanager
def single_use_token_refusals(field_prefix: str = "") -> Iterator[None]:
    """A refused single-use token is a bad field of the body, named as the body names it."""
    try:
        yield
    except SingleUseTokenRefused:
        raise unknown_single_use_token(f"{field_prefix}singleUseToken") from None


def render_card(card: Any, *, stored_credential: bool) -> dict[str, Any]:
    document = card_document(card)
    return {**document, **STORED_CREDENTIAL} if stored_credential else document


async def create_card(request: web.Request) -> web.Response:
    profile_id = path_id(request, "pid")
    body = parse_card(await read_json(request), creating=True)
    with single_use_token_refusals():
        card = await request.app[CARDS].add(actor_of(request), profile_id, card_details(body))
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
    command = c.UpdateCard(
        card_id=card_id,
        card_expiry=body.card_expiry,
        default_card_indicator=body.default_card_indicator,
        billing_address_id=body.billing_address_id,
        personal=body.personal,
    )
    instrument = {k: v for k, v in body.for_token_service().items() if k != "cardNum"}
    card = await request.app[CARDS].update(actor_of(request), profile_id, command, instrument)
    return json_response(render_card(card, stored_credential=False))


async def delete_card(request: web.Request) -> web.Response:
    profile_id, card_id = path_id(request, "pid"), path_id(request, "cid")
    await request.app[CARDS].remove(actor_of(request), profile_id, card_id)
    return empty_ok()
