"""GET /customervault/v1/profiles/{pid}/cards/{cid}/accesses: a merchant's own slice of the token
access ledger (an extension; PCI DSS requirement 10: who resolved this card's token, when, why).

The card must be the merchant's (unknown ids answer 5269); the ledger itself is the token
service's (``GET /tokens/v1/audit``, read with the vault's ``audit`` scope), filtered to this
merchant and this card's payment token. Never a number: the token appears only as its SHA-256.
"""

from __future__ import annotations

import uuid
from typing import Protocol

import msgspec
from aiohttp import web

from service.api import errors
from service.api.context import VIEW, merchant_of
from service.api.errors import Codes, FieldError
from service.api.http import json_response, path_id, query_value
from service.api.routing import AUTH, TOKEN_SERVICE, Operation, Reply, Resource
from service.domain.errors import CardNotFound
from service.tokens.contract import AccessLedger

__all__ = ["ACCESS_LEDGER", "CARD_ACCESSES", "AccessLedger"]


class AccessReader(Protocol):
    """What the handler needs of the token-service client."""

    async def accesses(
        self, merchant_id: uuid.UUID, token: str, *, before: str | None, limit: int
    ) -> AccessLedger: ...


ACCESS_LEDGER = web.AppKey("access_ledger", AccessReader)
MAX_LIMIT = 100


async def get_card_accesses(request: web.Request) -> web.Response:
    profile_id, card_id = path_id(request, "pid"), path_id(request, "cid")
    limit_raw = query_value(request, "limit") or "20"
    before = query_value(request, "before") or None
    problems = []
    if not (limit_raw.isascii() and limit_raw.isdecimal()) or not 1 <= int(limit_raw) <= MAX_LIMIT:
        problems.append(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
    if before is not None and not (before.isascii() and before.isdecimal() and len(before) < 19):
        problems.append(FieldError("before", "must be the next cursor of a previous page"))
    if problems:
        raise errors.invalid(problems)
    merchant = merchant_of(request)
    found = await request.app[VIEW].card(merchant, profile_id, card_id)
    if found is None:
        raise CardNotFound(card_id)
    ledger = await request.app[ACCESS_LEDGER].accesses(
        merchant, found[1], before=before, limit=int(limit_raw)
    )
    return json_response(msgspec.to_builtins(ledger))


CARD_ACCESSES = Resource(
    "cardaccesses",
    "/profiles/{pid}/cards/{cid}/accesses",
    {
        "get": Operation(
            handler=get_card_accesses,
            operation_id="getCardAccesses",
            tag="Cards",
            summary="Who resolved this card's token (extension)",
            description="""Not part of the Paysafe API. The token access ledger of this card,
            newest first: every resolution of its payment token and every refusal (event type,
            time, the service client, its stated purpose, outcome and reason), kept a year.
            Never a number: the token appears only as its SHA-256 (`tokenFingerprint`). `next`
            is the `before` of the following, older page, or null. Unknown ids answer 404
            5269.""",
            reply=Reply(schema="AccessLedger", description="A page of the card's accesses."),
            errors=(Codes.INVALID_FIELDS, *AUTH, Codes.UNKNOWN_ID, *TOKEN_SERVICE),
            parameters=(
                {
                    "name": "before",
                    "in": "query",
                    "description": "The `next` cursor of the previous page.",
                    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "description": "The most accesses to return.",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": 20,
                    },
                },
            ),
        )
    },
)
