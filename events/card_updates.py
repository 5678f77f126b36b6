"""The record of ``customervault.card-updates.v1``: a card update from a network (account updater).

This topic is the one place outside the token service where a card number may travel (a reissued
card's new number): it is readable only by the updater's principal and writable only by the feed
(Kafka ACLs), and kept briefly (``retention.ms``, a day by default). See docs/token-service.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

CARD_UPDATES_FILE = "card-updates.v1.json"


class NetworkExpiry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    month: Annotated[int, Meta(ge=1, le=12)]
    year: Annotated[int, Meta(ge=1000, le=9999)]


class CardUpdate(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One update: the card by ``paymentToken`` or by the old number's keyed ``fingerprint``
    (exactly one), and a new number and/or expiry, or ``closed``. ``messageId`` names the message
    (duplicates share it); ``effectiveAt`` orders one card's updates: one not newer than the last
    applied to the card changes nothing."""

    message_id: Annotated[str, Meta(min_length=1, max_length=200)]
    merchant_id: uuid.UUID
    effective_at: Annotated[datetime, Meta(tz=True)]
    payment_token: Annotated[str, Meta(min_length=1, max_length=50)] | None = None
    fingerprint: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    card_num: Annotated[str, Meta(pattern="^[0-9]{12,20}$")] | None = None
    card_expiry: NetworkExpiry | None = None
    closed: bool = False


def decode(raw: bytes) -> CardUpdate | None:
    """The update, or None when the record is not one (msgspec's message is not kept: it may
    quote the value, a card number)."""
    try:
        update = msgspec.json.decode(raw, type=CardUpdate)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    targeted = (update.payment_token is None) != (update.fingerprint is None)
    changes = update.card_num is not None or update.card_expiry is not None or update.closed
    return update if targeted and changes else None
