"""Network card updates, every field: what ``decide`` carries from the command into the event and
the card ``evolve`` builds from it (the token, status and personal data untouched)."""

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
    ProfileUpdated,
)
from service.domain import commands as c
from service.domain import network
from service.domain import profile as agg
from service.domain.errors import CardNotFound
from service.domain.state import Card
from tests.unit.domain.history import replace

M, P, CARD = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
BILLING = uuid.uuid4()
OLD_EXPIRY, NEW_EXPIRY = CardExpiry(month=12, year=2026), CardExpiry(month=2, year=2030)
T1, T2 = "2026-12-01T11:00:00.000000Z", "2026-12-01T12:00:00.000000Z"
HISTORY: list[Event] = [
    ProfileCreated(
        profile_id=P,
        merchant_id=M,
        payment_token="Ptok",
        status="ACTIVE",
        locale="en_US",
        personal=None,
    ),
    CardAdded(
        card_id=CARD,
        payment_token="Ctok",
        status="INITIAL",
        card_bin="411111",
        last_digits="1111",
        card_type="VI",
        card_category="CREDIT",
        card_expiry=OLD_EXPIRY,
        fingerprint="fp:old",
        default_card_indicator=False,
        billing_address_id=BILLING,
        single_use_token="SUT1",
        personal=CardPersonal(holder_name="Ada"),
    ),
]
BEFORE = Card(
    card_id=CARD,
    payment_token="Ctok",
    status="INITIAL",
    card_bin="411111",
    last_digits="1111",
    card_type="VI",
    card_category="CREDIT",
    card_expiry=OLD_EXPIRY,
    fingerprint="fp:old",
    default_card_indicator=False,
    billing_address_id=BILLING,
    single_use_token="SUT1",
    personal=CardPersonal(holder_name="Ada"),
)


def given(*events: Event) -> agg.Profile:
    state = agg.fold([*HISTORY, *events])
    assert state is not None
    return state


def when(state: agg.Profile, **update: object) -> list[Event]:
    fields: dict[str, object] = {"card_id": CARD, "message_id": "m1", "effective_at": T1, **update}
    command = c.ApplyNetworkUpdate(**fields)  # type: ignore[arg-type]
    return agg.decide(state, command, merchant_id=M, profile_id=P)


def test_the_card_before_any_update_is_the_one_added() -> None:
    assert given().cards[CARD] == BEFORE


def test_a_new_number_with_a_new_expiry_replaces_both_and_keeps_the_rest() -> None:
    new = c.NetworkReplacement(card_bin="520040", last_digits="0009", fingerprint="fp:new")
    events = when(given(), replacement=new, card_expiry=NEW_EXPIRY)
    assert events == [
        CardNumberReplacedByNetwork(
            card_id=CARD,
            card_bin="520040",
            last_digits="0009",
            card_type="MC",
            card_category="CREDIT",
            fingerprint="fp:new",
            card_expiry=NEW_EXPIRY,
            message_id="m1",
            effective_at=T1,
        )
    ]
    assert given(*events).cards[CARD] == replace(
        BEFORE,
        card_bin="520040",
        last_digits="0009",
        card_type="MC",
        fingerprint="fp:new",
        card_expiry=NEW_EXPIRY,
        network_effective_at=T1,
    )


def test_a_new_number_without_an_expiry_keeps_the_cards_expiry() -> None:
    new = c.NetworkReplacement(card_bin="378282", last_digits="0005", fingerprint="fp:amex")
    events = when(given(), replacement=new)
    assert [e.card_expiry for e in events] == [None]  # type: ignore[attr-defined]
    assert given(*events).cards[CARD] == replace(
        BEFORE,
        card_bin="378282",
        last_digits="0005",
        card_type="AM",
        fingerprint="fp:amex",
        network_effective_at=T1,
    )


def test_a_new_number_of_no_known_network_keeps_the_cards_brand() -> None:
    new = c.NetworkReplacement(card_bin="999999", last_digits="0001", fingerprint="fp:x")
    (event,) = when(given(), replacement=new)
    assert isinstance(event, CardNumberReplacedByNetwork)
    assert event.card_type == "VI"


def test_a_new_expiry_changes_only_the_expiry_and_the_last_applied_time() -> None:
    events = when(given(), card_expiry=NEW_EXPIRY, message_id="m7", effective_at=T2)
    assert events == [
        CardExpiryUpdatedByNetwork(
            card_id=CARD, card_expiry=NEW_EXPIRY, message_id="m7", effective_at=T2
        )
    ]
    assert given(*events).cards[CARD] == replace(
        BEFORE, card_expiry=NEW_EXPIRY, network_effective_at=T2
    )


def test_only_a_strictly_later_update_applies() -> None:
    state = given(*when(given(), card_expiry=NEW_EXPIRY, effective_at=T1))
    assert when(state, card_expiry=OLD_EXPIRY, effective_at=T1, message_id="m2") == []
    assert when(state, card_expiry=OLD_EXPIRY, effective_at=T2, message_id="m2") == [
        CardExpiryUpdatedByNetwork(
            card_id=CARD, card_expiry=OLD_EXPIRY, message_id="m2", effective_at=T2
        )
    ]


def test_a_closure_wins_over_a_new_number_and_an_update_that_changes_nothing_decides_nothing() -> (
    None
):
    new = c.NetworkReplacement(card_bin="520040", last_digits="0009", fingerprint="fp:new")
    closed = when(given(), closed=True, replacement=new, card_expiry=NEW_EXPIRY)
    assert closed == [CardClosedByNetwork(card_id=CARD, message_id="m1", effective_at=T1)]
    assert when(given()) == []


def test_an_update_for_an_unknown_card_is_refused_with_its_id() -> None:
    unknown = uuid.uuid4()
    with pytest.raises(CardNotFound) as refused:
        when(given(), card_id=unknown, closed=True)
    assert refused.value.card_id == unknown


def test_network_evolve_leaves_other_events_to_the_rest_of_the_aggregate() -> None:
    other = ProfileUpdated(status="ACTIVE", locale="en_GB", personal=None)
    assert network.evolve(given(), other) is None


def test_a_reissue_under_a_debit_brand_makes_the_card_debit() -> None:
    new = c.NetworkReplacement(card_bin="402600", last_digits="0007", fingerprint="fp:ve")
    (event,) = when(given(), replacement=new)
    assert (event.card_type, event.card_category) == ("VE", "DEBIT")  # type: ignore[attr-defined]
    card = given(event).cards[CARD]
    assert (card.card_type, card.card_category) == ("VE", "DEBIT")
    assert BEFORE.card_category == "CREDIT"


def test_a_replacement_without_a_category_keeps_the_cards() -> None:
    new = c.NetworkReplacement(card_bin="400000", last_digits="0002", fingerprint="fp:old")
    (event,) = when(given(), replacement=new)
    unknown = replace(event, card_category=None)  # as a lifted v1 event
    assert given(unknown).cards[CARD].card_category == BEFORE.card_category
