"""Profile and address resources: /customervault/v1/profiles[/{pid}[/addresses[/{aid}]]]."""

from __future__ import annotations

import uuid
from typing import Any, cast

from aiohttp import web

from events.types import ProfileStatus
from infra.payment_tokens import PROFILE, new_payment_token
from projections.documents import (
    PROFILE_KEY_ORDER,
    address_document,
    ordered,
    profile_attributes,
)
from service.api import errors
from service.api.cards import card_details, render_card, single_use_token_refusals
from service.api.context import PROFILES_SERVICE, VIEW, actor_of, execute
from service.api.errors import Codes, FieldError, PaysafeError
from service.api.http import (
    empty_ok,
    json_response,
    path_id,
    query_value,
    read_json,
    requested_fields,
)
from service.api.instrument_wire import parse_card
from service.api.middleware import principal
from service.api.routing import url_for
from service.api.wire import parse_address, parse_profile
from service.domain import profile as aggregate
from service.domain.customer_ids import REFUSED as CUSTOMER_ID_REFUSED
from service.domain.customer_ids import normalize_customer_id
from service.domain.errors import AddressNotFound, ProfileNotFound


def render_profile(state: aggregate.Profile) -> dict[str, Any]:
    """The Profile resource as the aggregate now holds it: the same shape the view stores."""
    document = {
        "id": str(state.profile_id),
        "paymentToken": state.payment_token,
        **profile_attributes(state.status, state.locale, state.personal),
    }
    return ordered(document, PROFILE_KEY_ORDER)


def render_address(address: aggregate.Address) -> dict[str, Any]:
    return address_document(
        address.address_id,
        address.status,
        address.country,
        address.default_shipping_address_indicator,
        address.personal,
    )


async def create_profile(request: web.Request) -> web.Response:
    data = await read_json(request)
    body = parse_profile(data, creating=True)
    card_body = (
        parse_card(data["card"], creating=True, field_prefix="card.")
        if isinstance(data, dict) and data.get("card") is not None
        else None
    )
    card = card_details(card_body) if card_body else None
    profile_id = uuid.uuid4()
    command = aggregate.CreateProfile(
        profile_id=profile_id,
        merchant_id=principal(request).merchant_id,
        payment_token=new_payment_token(PROFILE),
        status=cast(ProfileStatus, body.status or aggregate.ACTIVE),  # parse_profile checked it
        locale=body.locale,
        personal=body.personal,
    )
    with single_use_token_refusals("card."):
        outcome = await request.app[PROFILES_SERVICE].create(actor_of(request), command, card)
    if card is None:
        location = url_for(request, "profile", pid=profile_id)
        return json_response(render_profile(outcome.state), 201, {"Location": location})
    # Paysafe answers a create with a nested card with the new address and card, and no Location.
    document = render_profile(outcome.state)
    document["addresses"] = [render_address(a) for a in outcome.state.addresses.values()]
    document["cards"] = [
        render_card(k, stored_credential=False) for k in outcome.state.cards.values()
    ]
    return json_response(document, 201)


async def get_profile(request: web.Request) -> web.Response:
    profile_id = path_id(request, "pid")
    merchant_id = principal(request).merchant_id
    document = await request.app[VIEW].profile(merchant_id, profile_id, requested_fields(request))
    if document is None:
        raise ProfileNotFound(profile_id)
    return json_response(document)


async def find_profile(request: web.Request) -> web.Response:
    """GET /profiles?merchantCustomerId=… (docs/api.md, "Endpoints"); the vault has no list endpoint."""
    customer_id = normalize_customer_id(query_value(request, "merchantCustomerId"))
    if not customer_id:
        raise errors.invalid([FieldError("merchantCustomerId", CUSTOMER_ID_REFUSED)])
    matches = await request.app[VIEW].profiles_by_customer_id(
        principal(request).merchant_id, customer_id
    )
    if not matches:
        raise errors.unknown_id("merchantCustomerId")
    if len(matches) > 1:  # only with data that predates uniqueness (e.g. an import)
        raise PaysafeError(
            Codes.CUSTOMER_ID_AMBIGUOUS,
            detail=f": {len(matches)}",
            links=[
                {"rel": "existing_entity", "href": url_for(request, "profile", pid=pid)}
                for pid, _ in matches
            ],
        )
    profile_id, document = matches[0]
    if requested_fields(request):
        document = (
            await request.app[VIEW].profile(
                principal(request).merchant_id, profile_id, requested_fields(request)
            )
            or document
        )
    return json_response(document)


async def update_profile(request: web.Request) -> web.Response:
    profile_id = path_id(request, "pid")
    body = parse_profile(await read_json(request), creating=False)
    command = aggregate.UpdateProfile(
        status=cast(ProfileStatus | None, body.status), locale=body.locale, personal=body.personal
    )
    outcome = await execute(request, profile_id, command)
    return json_response(render_profile(outcome.state))


async def delete_profile(request: web.Request) -> web.Response:
    profile_id = path_id(request, "pid")
    await request.app[PROFILES_SERVICE].delete(actor_of(request), profile_id)
    return empty_ok()


async def create_address(request: web.Request) -> web.Response:
    profile_id = path_id(request, "pid")
    body = parse_address(await read_json(request))
    address_id = uuid.uuid4()
    command = aggregate.AddAddress(
        address_id=address_id,
        country=body.country,
        default_shipping_address_indicator=body.default_shipping_address_indicator,
        personal=body.personal,
    )
    outcome = await execute(request, profile_id, command)
    location = url_for(request, "address", pid=profile_id, aid=address_id)
    return json_response(
        render_address(outcome.state.addresses[address_id]), 201, {"Location": location}
    )


async def get_address(request: web.Request) -> web.Response:
    profile_id, address_id = path_id(request, "pid"), path_id(request, "aid")
    document = await request.app[VIEW].address(
        principal(request).merchant_id, profile_id, address_id
    )
    if document is None:
        raise AddressNotFound(address_id)
    return json_response(document)


async def update_address(request: web.Request) -> web.Response:
    profile_id, address_id = path_id(request, "pid"), path_id(request, "aid")
    body = parse_address(await read_json(request))
    command = aggregate.UpdateAddress(
        address_id=address_id,
        country=body.country,
        default_shipping_address_indicator=body.default_shipping_address_indicator,
        personal=body.personal,
    )
    outcome = await request.app[PROFILES_SERVICE].update_address(
        actor_of(request), profile_id, command
    )
    return json_response(render_address(outcome.state.addresses[address_id]))


async def delete_address(request: web.Request) -> web.Response:
    profile_id, address_id = path_id(request, "pid"), path_id(request, "aid")
    await request.app[PROFILES_SERVICE].remove_address(actor_of(request), profile_id, address_id)
    return empty_ok()
