"""POST /customervault/v1/singleusetokens: a card as a 15-minute single-use token (docs/api.md, "Single-use tokens").

Only a single-use-token API key reaches this endpoint (client devices hold those keys); the card
number, expiry, CVV and billing address go straight to the token service, which keeps the CVV only
until the token is redeemed or expires.
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
from aiohttp import web

from service.api import errors
from service.api.context import CARDS, actor_of
from service.api.errors import Codes, FieldError
from service.api.http import json_response, read_json
from service.api.instrument_wire import parse_card


async def create_single_use_token(request: web.Request) -> web.Response:
    data = await read_json(request)
    if not isinstance(data, dict) or not isinstance(data.get("card"), dict):
        raise errors.invalid([FieldError("card", "may not be empty")])
    if "singleUseToken" in data["card"]:
        raise errors.invalid([FieldError("card.singleUseToken", "not allowed here")])
    body = parse_card(data["card"], creating=True, field_prefix="card.")
    if body.card_type is None or body.card_expiry is None:
        raise errors.PaysafeError(Codes.INVALID_BRAND)
    instrument = body.for_token_service(include_cvv=True)
    address = None
    if body.billing_address is not None:
        address = {
            "country": body.billing_address.country,
            **msgspec.to_builtins(body.billing_address.personal),
        }
        instrument["billingAddress"] = address
    tokenized = await request.app[CARDS].single_use_token(actor_of(request), instrument)
    expires = dt.datetime.fromisoformat(tokenized.expires_at) if tokenized.expires_at else None
    ttl = max(0, int((expires - dt.datetime.now(dt.UTC)).total_seconds())) if expires else 0
    card = {
        "cardBin": tokenized.bin,
        "lastDigits": tokenized.last_digits,
        "cardExpiry": {"year": body.card_expiry.year, "month": body.card_expiry.month},
        "cardType": body.card_type,
        "cardCategory": body.card_category,
    }
    reply: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "paymentToken": tokenized.token,
        "timeToLiveSeconds": ttl,
    }
    if address is not None:
        reply["billingAddress"] = address
    reply["card"] = card
    return json_response(reply)
