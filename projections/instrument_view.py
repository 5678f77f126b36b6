"""The instrument part of the profile view: cards, bank accounts and mandates."""

from __future__ import annotations

import msgspec

from events.types import (
    BankAccountAdded,
    BankAccountRemoved,
    BankAccountUpdated,
    CardAdded,
    CardClosedByNetwork,
    CardExpiryUpdatedByNetwork,
    CardNumberReplacedByNetwork,
    CardRemoved,
    CardUpdated,
    DefaultCardChanged,
    Event,
    MandateAdded,
    MandateRemoved,
    MandateStatusChanged,
)
from projections.documents import (
    bank_account_document,
    bank_account_replacement,
    card_document,
    card_replacement,
    mandate_document,
    network_patch,
)
from projections.rows import EventContext, RowOp

_json = msgspec.json.Encoder()


def _encoded(document: dict[str, object]) -> str:
    return _json.encode(document).decode()


def _insert(
    statement: str,
    ctx: EventContext,
    instrument_id: object,
    payment_token: str,
    document: dict[str, object],
    *keys: object,
) -> list[RowOp]:
    """An instrument's new view row: its id and owner (profile, merchant), the view's own lookup
    ``keys``, the stream version that wrote it, its token and its document."""
    owner = (instrument_id, ctx.profile_id, ctx.merchant_id)
    rest = (ctx.stream_version, payment_token, _encoded(document))
    return [RowOp(statement, (*owner, *keys, *rest))]


def project(event: Event, ctx: EventContext) -> list[RowOp] | None:
    """Row operations for an instrument event; None when ``event`` is not one."""
    match event:
        case CardAdded():
            document = card_document(event)
            return _insert("card_view_insert", ctx, event.card_id, event.payment_token, document)
        case CardUpdated():
            replacement = card_replacement(
                event.card_expiry, event.billing_address_id, event.personal
            )
            return [RowOp("card_view_replace", (event.card_id, _encoded(replacement)))]
        case DefaultCardChanged():
            return [RowOp("card_view_default", (ctx.profile_id, event.card_id))]
        case CardRemoved() | CardClosedByNetwork():
            return [RowOp("card_view_delete", (event.card_id,))]
        case CardExpiryUpdatedByNetwork() | CardNumberReplacedByNetwork():
            return [RowOp("card_view_patch", (event.card_id, _encoded(network_patch(event))))]
        case BankAccountAdded():
            document = bank_account_document(event)
            account_id, token = event.bank_account_id, event.payment_token
            return _insert("bank_account_view_insert", ctx, account_id, token, document, event.kind)
        case BankAccountUpdated():
            replacement = bank_account_replacement(
                event.account_type, event.billing_address_id, event.personal
            )
            return [
                RowOp("bank_account_view_replace", (event.bank_account_id, _encoded(replacement)))
            ]
        case BankAccountRemoved():
            return [RowOp("bank_account_view_delete", (event.bank_account_id,))]
        case MandateAdded():
            document = mandate_document(event)
            mandate_id, token = event.mandate_id, event.payment_token
            account_id = event.bank_account_id
            return _insert("mandate_view_insert", ctx, mandate_id, token, document, account_id)
        case MandateStatusChanged():
            args = (event.mandate_id, event.status, event.status_change_date)
            return [RowOp("mandate_view_status", args)]
        case MandateRemoved():
            return [RowOp("mandate_view_delete", (event.mandate_id,))]
    return None
