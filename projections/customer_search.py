"""The customer search view: find a merchant's customers by e-mail, name or phone number.

Maintained asynchronously by the projector from Kafka; eventually consistent with the event store.
"""

from __future__ import annotations

import re

import msgspec

from events.types import Event, ProfileCreated, ProfileDeleted, ProfilePersonal, ProfileUpdated
from projections.rows import EventContext, Projection, RowOp

_json = msgspec.json.Encoder()
_NON_DIGITS = re.compile(r"\D+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_name(name: str) -> str:
    return " ".join(name.lower().split())


def phone_digits(phone: str) -> str:
    return _NON_DIGITS.sub("", phone)


def _row(ctx: EventContext, status: str, personal: ProfilePersonal) -> RowOp:
    names = (personal.first_name, personal.middle_name, personal.last_name)
    full_name = normalise_name(" ".join(n for n in names if n))
    phones = sorted({phone_digits(p) for p in (personal.phone, personal.cell_phone) if p} - {""})
    summary = {
        "id": str(ctx.profile_id),
        "status": status,
        "merchantCustomerId": personal.merchant_customer_id,
        **{
            k: v
            for k, v in msgspec.to_builtins(personal).items()
            if k in ("firstName", "middleName", "lastName", "email", "phone", "cellPhone")
        },
    }
    return RowOp(
        "customer_search_upsert",
        (
            ctx.profile_id,
            ctx.merchant_id,
            personal.merchant_customer_id,
            normalise_email(personal.email) if personal.email else None,
            full_name or None,
            phones,
            _json.encode(summary).decode(),
            ctx.recorded_at,
        ),
    )


def project(event: Event, ctx: EventContext) -> list[RowOp]:
    match event:
        case ProfileCreated() | ProfileUpdated():
            # personal is None only when the profile was deleted since (key shredded): a later
            # ProfileDeleted in the same stream removes the row, so there is nothing to index.
            return [] if event.personal is None else [_row(ctx, event.status, event.personal)]
        case ProfileDeleted():
            return [RowOp("customer_search_delete", (ctx.profile_id,))]
    return []


CUSTOMER_SEARCH = Projection(
    name="customer-search",
    project=project,
    tables=("vault.customer_search",),
    handles=frozenset(t.event_type for t in (ProfileCreated, ProfileUpdated, ProfileDeleted)),
)
