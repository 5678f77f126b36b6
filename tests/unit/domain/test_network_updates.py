"""Network card updates on the Profile aggregate: each applied once, in effective-time order."""

from __future__ import annotations

import uuid

import pytest

from events.types import (
    CardAdded,
    CardClosedByNetwork,
    CardExpiry,
    CardExpiryUpdatedByNetwork,
    CardNumberReplacedByNetwork,
    CardPersonal,
    Event,
    ProfileCreated,
    ProfilePersonal,
)
from projections.documents import network_patch
from service.domain import commands as c
from service.domain import profile as agg
from service.domain.errors import CardNotFound

M, P, CARD = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
HISTORY: list[Event] = [
    ProfileCreated(
        profile_id=P,
        merchant_id=M,
        payment_token="Ptok",
        status="ACTIVE",
        locale="en_US",
        personal=ProfilePersonal(merchant_customer_id="c1"),
    ),
    CardAdded(
        card_id=CARD,
        payment_token="Ctok",
        status="ACTIVE",
        card_bin="411111",
        last_digits="1111",
        card_type="VI",
        card_category="CREDIT",
        card_expiry=CardExpiry(month=12, year=2026),
        fingerprint="fp1:old",
        default_card_indicator=True,
        billing_address_id=None,
        single_use_token=None,
        personal=CardPersonal(),
    ),
]
T1, T2, T3 = (f"2026-12-01T1{h}:00:00.000000Z" for h in (1, 2, 3))


def decide(history: list[Event], command: c.ApplyNetworkUpdate) -> list[Event]:
    return agg.decide(agg.fold(history), command, merchant_id=M, profile_id=P)


def test_a_new_number_keeps_the_token_and_changes_bin_digits_brand_fingerprint() -> None:
    new = c.NetworkReplacement(card_bin="520040", last_digits="0009", fingerprint="fp1:new")
    events = decide(
        HISTORY,
        c.ApplyNetworkUpdate(card_id=CARD, message_id="m1", effective_at=T1, replacement=new),
    )
    assert events == [
        CardNumberReplacedByNetwork(
            card_id=CARD, card_bin="520040", last_digits="0009", card_type="MC", card_category="CREDIT",
            fingerprint="fp1:new", card_expiry=None, message_id="m1", effective_at=T1,
        )
    ]  # fmt: skip
    state = agg.fold([*HISTORY, *events])
    assert state is not None
    card = state.cards[CARD]
    assert (card.payment_token, card.last_digits, card.fingerprint) == ("Ctok", "0009", "fp1:new")
    assert network_patch(events[0]) == {
        "cardBin": "520040",
        "lastDigits": "0009",
        "cardType": "MC",
        "cardCategory": "CREDIT",
    }


def test_duplicates_and_older_updates_decide_nothing() -> None:
    expiry = CardExpiry(month=1, year=2030)
    later = c.ApplyNetworkUpdate(card_id=CARD, message_id="m2", effective_at=T2, card_expiry=expiry)
    applied = decide(HISTORY, later)
    assert applied == [
        CardExpiryUpdatedByNetwork(
            card_id=CARD, card_expiry=expiry, message_id="m2", effective_at=T2
        )
    ]
    history = [*HISTORY, *applied]
    assert decide(history, later) == []  # the same message again
    older = c.ApplyNetworkUpdate(
        card_id=CARD, message_id="m1", effective_at=T1, card_expiry=CardExpiry(month=6, year=2029)
    )
    assert decide(history, older) == []  # overtaken by m2
    state = agg.fold(history)
    assert state is not None and state.cards[CARD].card_expiry == expiry


def test_a_closure_removes_the_card_and_unknown_cards_are_refused() -> None:
    closed = decide(
        HISTORY, c.ApplyNetworkUpdate(card_id=CARD, message_id="m3", effective_at=T3, closed=True)
    )
    assert closed == [CardClosedByNetwork(card_id=CARD, message_id="m3", effective_at=T3)]
    state = agg.fold([*HISTORY, *closed])
    assert state is not None and CARD not in state.cards
    with pytest.raises(CardNotFound):
        decide(
            [*HISTORY, *closed],
            c.ApplyNetworkUpdate(card_id=CARD, message_id="m4", effective_at=T3, closed=True),
        )
