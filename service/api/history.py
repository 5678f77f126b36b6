"""Profile history and as-of reads (extensions; docs/api.md "Profile history and as-of reads").

``GET /profiles/{pid}/history`` lists the profile's changes; ``?asOf=<RFC 3339>`` on a profile,
address, card or bank account GET answers the resource as it was then. Both come from the event
stream (``service.application.history``), never from the views, which hold only the present.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from projections.documents import bank_account_document
from service.api import errors
from service.api.cards import render_card
from service.api.errors import Codes, FieldError
from service.api.http import json_response, path_id, query_value
from service.api.middleware import Handler, principal
from service.api.profiles import render_address, render_profile
from service.api.routing import READ, Operation, Reply, Resource, url_for
from service.application.history import Change, ProfileHistory
from service.domain import profile as aggregate
from service.domain.errors import AddressNotFound, BankAccountNotFound, CardNotFound

HISTORY = web.AppKey("profile_history", ProfileHistory)
AS_OF = "asOf"
MAX_LIMIT = 100
DEFAULT_LIMIT = 50
Render = Callable[[web.Request, aggregate.Profile], dict[str, Any]]


def _moment(request: web.Request) -> dt.datetime:
    raw = query_value(request, AS_OF)
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise errors.invalid([FieldError(AS_OF, "must be an RFC 3339 date-time with an offset")])
    return moment


def _integer(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = query_value(request, name)
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise errors.invalid([FieldError(name, f"must be an integer from {low} to {high}")])
    return int(raw)


def as_of_or(live: Handler, render: Render) -> Handler:
    """``live``, or with ``asOf`` the resource ``render`` picks from the profile as it was then."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if AS_OF not in request.query:
            return await live(request)
        moment = _moment(request)
        state = await request.app[HISTORY].as_of(
            principal(request).merchant_id, path_id(request, "pid"), moment
        )
        return json_response(render(request, state))

    return handler


def profile_then(_: web.Request, state: aggregate.Profile) -> dict[str, Any]:
    return render_profile(state)


def address_then(request: web.Request, state: aggregate.Profile) -> dict[str, Any]:
    address_id = path_id(request, "aid")
    if address_id not in state.addresses:
        raise AddressNotFound(address_id)
    return render_address(state.addresses[address_id])


def card_then(request: web.Request, state: aggregate.Profile) -> dict[str, Any]:
    card_id = path_id(request, "cid")
    if card_id not in state.cards:
        raise CardNotFound(card_id)
    return render_card(state.cards[card_id], stored_credential=True)


def bank_account_then(request: web.Request, state: aggregate.Profile) -> dict[str, Any]:
    account_id = path_id(request, "bid")
    account = state.bank_accounts.get(account_id)
    if account is None or account.kind != request.match_info["kind"]:
        raise BankAccountNotFound(account_id)
    return bank_account_document(account)


def _entry(change: Change) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "version": change.version,
        "eventType": change.event_type,
        "recordedAt": change.recorded_at.isoformat().replace("+00:00", "Z"),
        "keyId": change.key_id,
        "requestId": change.request_id,
        "fields": list(change.fields),
    }
    if change.values is not None:
        entry["values"] = change.values
    return {k: v for k, v in entry.items() if v is not None}


async def get_history(request: web.Request) -> web.Response:
    profile_id: uuid.UUID = path_id(request, "pid")
    after = _integer(request, "after", 0, 0, 2**31 - 1)
    limit = _integer(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    flag = query_value(request, "includeValues").lower()
    if flag not in ("", "true", "false"):
        raise errors.invalid([FieldError("includeValues", "must be true or false")])
    changes, more = await request.app[HISTORY].changes(
        principal(request).merchant_id,
        profile_id,
        after=after,
        limit=limit,
        with_values=flag == "true",
    )
    body: dict[str, Any] = {"changes": [_entry(c) for c in changes]}
    if more:
        query = f"after={changes[-1].version}&limit={limit}"
        if flag:
            query += f"&includeValues={flag}"
        href = f"{url_for(request, 'profileHistory', pid=profile_id)}?{query}"
        body["links"] = [{"rel": "next", "href": href}]
    return json_response(body)


_RENDERERS: dict[str, Render] = {
    "profile": profile_then,
    "address": address_then,
    "card": card_then,
    **{f"{kind}bankaccount": bank_account_then for kind in ("ach", "eft", "bacs", "sepa")},
}
_AS_OF_PARAMETER = {
    "name": AS_OF,
    "in": "query",
    "description": "Extension: the resource as it was at this RFC 3339 date-time (with an "
    "offset), folded from the profile's events; 404 5269 before it existed, or once the profile "
    "is deleted. `fields` is ignored with it.",
    "schema": {"type": "string", "format": "date-time"},
}


def with_as_of_reads(resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
    """``resources`` with ``asOf`` on the GET of a profile, an address, a card, a bank account."""
    out = []
    for resource in resources:
        render = _RENDERERS.get(resource.name)
        get = resource.operations.get("get")
        if render is not None and get is not None:
            get = replace(
                get,
                handler=as_of_or(get.handler, render),
                parameters=(*get.parameters, _AS_OF_PARAMETER),
                errors=(*get.errors, Codes.INVALID_FIELDS),
            )
            resource = replace(resource, operations={**resource.operations, "get": get})
        out.append(resource)
    return tuple(out)


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


HISTORY_RESOURCE = Resource(
    "profileHistory",
    "/profiles/{pid}/history",
    {
        "get": Operation(
            handler=get_history,
            operation_id="getProfileHistory",
            tag="Profiles",
            summary="A profile's changes (extension)",
            description="""Not part of the Paysafe API. The profile's events in order:
            `version` (its stream version), `eventType`, `recordedAt`, `keyId` (the API key that
            made it) and `requestId`, and `fields`, the names of what it changed. Values appear only
            with `includeValues=true` (personal ones decrypted with the profile's key); card and
            account numbers are never in the vault's events, so never here. A `next` link pages on.
            Deleted (crypto-shredded) profiles answer 404 5269.""",
            reply=Reply(schema="", description="`{changes: [...], links?: [{rel: next}]}`."),
            errors=(Codes.INVALID_FIELDS, *READ),
            parameters=(
                _query(
                    "after",
                    "Only changes after this stream version.",
                    {"type": "integer", "minimum": 0, "default": 0},
                ),
                _query(
                    "limit",
                    "The most changes to return.",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
                ),
                _query(
                    "includeValues",
                    "Also return each change's values.",
                    {"type": "boolean", "default": False},
                ),
            ),
        )
    },
    slash=True,
)
