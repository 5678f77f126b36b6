"""The profile view projection (applied inline by commands, and by ``vault rebuild profile-view``)."""

from __future__ import annotations

import msgspec

from events.types import (
    AddressAdded,
    AddressRemoved,
    AddressUpdated,
    Event,
    ProfileCreated,
    ProfileDeleted,
    ProfileUpdated,
)
from projections import instrument_view
from projections.documents import address_document, profile_attributes
from projections.rows import EventContext, Projection, RowOp

_json = msgspec.json.Encoder()


def project(event: Event, ctx: EventContext) -> list[RowOp]:
    match event:
        case ProfileCreated():
            document = {
                "id": str(event.profile_id),
                "paymentToken": event.payment_token,
                **profile_attributes(event.status, event.locale, event.personal),
            }
            return [
                RowOp(
                    "profile_view_insert",
                    (
                        event.profile_id,
                        event.merchant_id,
                        event.personal.merchant_customer_id if event.personal else "",
                        event.payment_token,
                        ctx.stream_version,
                        _json.encode(document).decode(),
                        ctx.recorded_at,
                    ),
                )
            ]
        case ProfileUpdated():
            attributes = profile_attributes(event.status, event.locale, event.personal)
            return [
                RowOp(
                    "profile_view_update",
                    (
                        ctx.profile_id,
                        event.personal.merchant_customer_id if event.personal else "",
                        ctx.stream_version,
                        _json.encode(attributes).decode(),
                        ctx.recorded_at,
                    ),
                )
            ]
        case ProfileDeleted():
            return [
                RowOp("instrument_views_delete_profile", (ctx.profile_id,)),
                RowOp("address_view_delete_profile", (ctx.profile_id,)),
                RowOp("profile_view_delete", (ctx.profile_id,)),
            ]
        case AddressAdded() | AddressUpdated():
            document = address_document(
                event.address_id,
                event.status,
                event.country,
                event.default_shipping_address_indicator,
                event.personal,
            )
            encoded = _json.encode(document).decode()
            row = (
                RowOp(
                    "address_view_insert",
                    (
                        event.address_id,
                        ctx.profile_id,
                        ctx.merchant_id,
                        ctx.stream_version,
                        encoded,
                    ),
                )
                if isinstance(event, AddressAdded)
                else RowOp("address_view_update", (event.address_id, encoded))
            )
            return [row, _touch(ctx)]
        case AddressRemoved():
            return [
                RowOp("address_view_delete", (event.address_id,)),
                RowOp("instrument_views_unlink_address", (ctx.profile_id, event.address_id)),
                _touch(ctx),
            ]
    instrument_rows = instrument_view.project(event, ctx)
    return [] if instrument_rows is None else [*instrument_rows, _touch(ctx)]


def _touch(ctx: EventContext) -> RowOp:
    return RowOp("profile_view_touch", (ctx.profile_id, ctx.stream_version, ctx.recorded_at))


PROFILE_VIEW = Projection(
    name="profile-view",
    project=project,
    tables=(
        "vault.profile_view",
        "vault.address_view",
        "vault.card_view",
        "vault.bank_account_view",
        "vault.mandate_view",
    ),
)
