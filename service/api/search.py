"""GET /customervault/v1/customersearch: find the caller's customers by e-mail, name or phone.

Not part of the Paysafe API (no official SDK has search); an extension served from the projector's
customer-search view, so it is eventually consistent (usually within milliseconds of a write).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from aiohttp import web

from infra.sqlfiles import load_sql
from projections.customer_search import normalise_email, normalise_name, phone_digits
from service.api import errors
from service.api.errors import FieldError
from service.api.http import json_response, query_value
from service.api.middleware import principal

POOL = web.AppKey("search_pool", asyncpg.Pool)
_QUERY = load_sql("service", "queries/customer_search_query.sql")
_decode = msgspec.json.Decoder(dict[str, Any]).decode
MAX_LIMIT = 100
MIN_PHONE_DIGITS = 7  # fewer would match a large share of any merchant's customers


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_customers(request: web.Request) -> web.Response:
    q = {name: query_value(request, name) for name in ("email", "name", "phone", "limit")}
    email = normalise_email(q["email"]) if q["email"] else None
    name = _like_escaped(normalise_name(q["name"])) if q["name"].strip() else None
    phone = phone_digits(q["phone"]) if q["phone"] else None
    problems = []
    if email is None and name is None and not phone:
        problems.append(FieldError("email", "one of email, name or phone is required"))
    if q.get("phone") and len(phone or "") < MIN_PHONE_DIGITS:
        problems.append(FieldError("phone", f"must contain at least {MIN_PHONE_DIGITS} digits"))
    limit_raw = q["limit"] or "20"
    if not (limit_raw.isascii() and limit_raw.isdecimal()) or not 1 <= int(limit_raw) <= MAX_LIMIT:
        problems.append(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
    if problems:
        raise errors.invalid(problems)
    rows = await request.app[POOL].fetch(
        _QUERY, principal(request).merchant_id, email, name, phone or None, int(limit_raw)
    )
    return json_response({"profiles": [_decode(r["document"]) for r in rows]})
