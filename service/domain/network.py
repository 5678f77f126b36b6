"""Card updates from the networks (account updater) on the Profile aggregate: decide and evolve.

A card's network updates apply in the order of their ``effective_at`` (fixed-width UTC text, so
text order is time order), each at most once: an update not newer than the last one applied to the
card — a duplicate message or one overtaken by a later update — decides no event.
"""

from __future__ import annotations

from dataclasses import replace

from msgspec.structs import replace as revised

from events.types import (
    CardClosedByNetwork,
    CardExpiryUpdatedByNetwork,
    CardNumberReplacedByNetwork,
    Event,
)
from service.domain.commands import ApplyNetworkUpdate
from service.domain.errors import CardNotFound
from service.domain.numbers import card_brand
from service.domain.state import Profile


def decide(state: Profile, command: ApplyNetworkUpdate) -> list[Event]:
    card = state.cards.get(command.card_id)
    if card is None:
        raise CardNotFound(command.card_id)
    if card.network_effective_at is not None and command.effective_at <= card.network_effective_at:
        return []  # a duplicate, or older than an update already applied
    stamp = {"message_id": command.message_id, "effective_at": command.effective_at}
    if command.closed:
        return [CardClosedByNetwork(card_id=card.card_id, **stamp)]
    new = command.replacement
    if new is not None:
        brand = card_brand(new.card_bin)
        return [
            CardNumberReplacedByNetwork(
                card_id=card.card_id,
                card_bin=new.card_bin,
                last_digits=new.last_digits,
                card_type=brand[0] if brand else card.card_type,
                card_category=brand[1] if brand else None,
                fingerprint=new.fingerprint,
                card_expiry=command.card_expiry,
                **stamp,
            )
        ]
    if command.card_expiry is None:
        return []
    return [
        CardExpiryUpdatedByNetwork(card_id=card.card_id, card_expiry=command.card_expiry, **stamp)
    ]


def evolve(state: Profile, event: Event) -> Profile | None:
    """The state after a network event; None when ``event`` is not one."""
    match event:
        case CardExpiryUpdatedByNetwork():
            card = revised(
                state.cards[event.card_id],
                card_expiry=event.card_expiry,
                network_effective_at=event.effective_at,
            )
        case CardNumberReplacedByNetwork():
            card = revised(
                state.cards[event.card_id],
                card_bin=event.card_bin,
                last_digits=event.last_digits,
                card_type=event.card_type,
                card_category=event.card_category or state.cards[event.card_id].card_category,
                fingerprint=event.fingerprint,
                card_expiry=event.card_expiry or state.cards[event.card_id].card_expiry,
                network_effective_at=event.effective_at,
            )
        case CardClosedByNetwork():
            cards = {k: v for k, v in state.cards.items() if k != event.card_id}
            return replace(state, cards=cards)
        case _:
            return None
    return replace(state, cards={**state.cards, card.card_id: card})
