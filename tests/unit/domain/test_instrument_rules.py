"""The Profile aggregate's rules for cards, bank accounts and mandates, given/when/then on the pure
domain: given a history, when a command is decided, then these events (or this refusal)."""

from __future__ import annotations

import uuid
from typing import get_args

import pytest

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    BankAccountAdded,
    BankAccountPersonal,
    BankAccountRemoved,
    BankAccountUpdated,
    CardAdded,
    CardExpiry,
    CardPersonal,
    DefaultCardChanged,
    Event,
    MandateAdded,
    MandateRemoved,
    MandateStatus,
    MandateStatusChanged,
    ProfileCreated,
    ProfilePersonal,
)
from service.domain import commands as c
from service.domain import profile as agg
from service.domain.errors import (
    BillingAddressNotFound,
    CardAlreadyOnProfile,
    MandateClosed,
    MandateNotFound,
)
from service.domain.instruments import CLOSED_MANDATE_STATUSES
from service.domain.state import BankAccount, Mandate

M, P = uuid.uuid4(), uuid.uuid4()
CREATED = ProfileCreated(
    profile_id=P,
    merchant_id=M,
    payment_token="Ptok",
    status="ACTIVE",
    locale="en_US",
    personal=ProfilePersonal(merchant_customer_id="c1"),
)


def given(*history: Event) -> agg.Profile:
    state = agg.fold([CREATED, *history])
    assert state is not None
    return state


def when(state: agg.Profile, command: c.Command) -> list[Event]:
    return agg.decide(state, command, merchant_id=M, profile_id=P)


def then(state: agg.Profile, events: list[Event]) -> agg.Profile:
    for event in events:
        after = agg.evolve(state, event)
        assert after is not None
        state = after
    return state


def new_card(fingerprint: str = "fp-1", *, default: bool = False, **extra: object) -> c.NewCard:
    fields: dict[str, object] = {
        "card_id": uuid.uuid4(),
        "payment_token": f"C{uuid.uuid4().hex[:14]}",
        "card_bin": "411111",
        "last_digits": "1111",
        "card_type": "VI",
        "card_category": "CREDIT",
        "card_expiry": CardExpiry(month=12, year=2050),
        "fingerprint": fingerprint,
        "default_card_indicator": default,
        "billing_address_id": None,
        "billing_address": None,
        "single_use_token": None,
        "personal": CardPersonal(),
        **extra,
    }
    return c.NewCard(**fields)  # type: ignore[arg-type]


def card_added(card: c.NewCard) -> CardAdded:
    return CardAdded(
        card_id=card.card_id,
        payment_token=card.payment_token,
        status="ACTIVE",
        card_bin=card.card_bin,
        last_digits=card.last_digits,
        card_type=card.card_type,
        card_category=card.card_category,
        card_expiry=card.card_expiry,
        fingerprint=card.fingerprint,
        default_card_indicator=False,
        billing_address_id=card.billing_address_id,
        single_use_token=None,
        personal=card.personal,
    )


def address_added(address_id: uuid.UUID) -> AddressAdded:
    return AddressAdded(
        address_id=address_id,
        status="ACTIVE",
        country="CA",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(zip="M5H 2N2"),
    )


def account_added(account_id: uuid.UUID, billing: uuid.UUID | None = None) -> BankAccountAdded:
    return BankAccountAdded(
        bank_account_id=account_id,
        kind="bacs",
        payment_token=f"D{account_id.hex[:14]}",
        status="ACTIVE",
        last_digits="19",
        fingerprint=f"fp-{account_id}",
        account_type=None,
        billing_address_id=billing,
        personal=BankAccountPersonal(account_holder_name="Ada"),
    )


def mandate_added(mandate_id: uuid.UUID, account_id: uuid.UUID) -> MandateAdded:
    return MandateAdded(
        mandate_id=mandate_id,
        bank_account_id=account_id,
        payment_token=f"M{mandate_id.hex[:14]}",
        reference="REF",
        status="PENDING",
        status_change_date="2026-01-01T00:00:00Z",
    )


def defaults(state: agg.Profile) -> list[uuid.UUID]:
    return [k for k, card in state.cards.items() if card.default_card_indicator]


# --- default card ------------------------------------------------------------------------------------


def test_the_first_card_is_the_default_even_when_not_asked() -> None:
    card = new_card(default=False)
    events = when(given(), c.AddCard(card=card))
    assert events[-1] == DefaultCardChanged(card_id=card.card_id)
    assert defaults(then(given(), events)) == [card.card_id]


def test_a_later_card_becomes_the_default_only_when_asked_and_then_is_the_only_one() -> None:
    first = new_card("fp-1")
    state = then(given(), when(given(), c.AddCard(card=first)))
    second = new_card("fp-2", default=False)
    events = when(state, c.AddCard(card=second))
    assert not any(isinstance(e, DefaultCardChanged) for e in events)
    state = then(state, events)
    assert defaults(state) == [first.card_id]
    third = new_card("fp-3", default=True)
    state = then(state, when(state, c.AddCard(card=third)))
    assert defaults(state) == [third.card_id]


def test_unsetting_the_default_leaves_no_default_and_omitting_it_keeps_it() -> None:
    card = new_card()
    state = then(given(), when(given(), c.AddCard(card=card)))

    def update(indicator: bool | None) -> c.UpdateCard:
        return c.UpdateCard(
            card_id=card.card_id,
            card_expiry=None,
            default_card_indicator=indicator,
            billing_address_id=None,
            personal=CardPersonal(),
        )

    assert defaults(then(state, when(state, update(None)))) == [card.card_id]
    events = when(state, update(False))
    assert events[-1] == DefaultCardChanged(card_id=None)
    assert defaults(then(state, events)) == []


# --- duplicate card (7503) ---------------------------------------------------------------------------


def test_a_card_already_on_the_profile_by_fingerprint_is_refused() -> None:
    existing = new_card("fp-same")
    state = given(card_added(existing))
    with pytest.raises(CardAlreadyOnProfile) as refused:
        when(state, c.AddCard(card=new_card("fp-same")))
    assert refused.value.existing_card_id == existing.card_id
    assert when(state, c.AddCard(card=new_card("fp-other")))  # another number is welcome


def test_a_removed_card_may_be_added_again() -> None:
    existing = new_card("fp-same")
    state = then(
        given(card_added(existing)),
        when(given(card_added(existing)), c.RemoveCard(card_id=existing.card_id)),
    )
    assert when(state, c.AddCard(card=new_card("fp-same")))


# --- billing addresses -------------------------------------------------------------------------------


def test_removing_an_address_unlinks_the_cards_and_accounts_billed_to_it() -> None:
    gone, kept = uuid.uuid4(), uuid.uuid4()
    billed, other = (
        new_card("fp-1", billing_address_id=gone),
        new_card("fp-2", billing_address_id=kept),
    )
    account_id = uuid.uuid4()
    state = given(
        address_added(gone),
        address_added(kept),
        card_added(billed),
        card_added(other),
        account_added(account_id, billing=gone),
    )
    events = when(state, c.RemoveAddress(address_id=gone))
    assert events == [AddressRemoved(address_id=gone)]
    after = then(state, events)
    assert after.cards[billed.card_id].billing_address_id is None
    assert after.bank_accounts[account_id].billing_address_id is None
    assert after.cards[other.card_id].billing_address_id == kept


def test_a_card_or_account_cannot_be_billed_to_an_unknown_address() -> None:
    unknown = uuid.uuid4()
    with pytest.raises(BillingAddressNotFound):
        when(given(), c.AddCard(card=new_card(billing_address_id=unknown)))
    with pytest.raises(BillingAddressNotFound):
        when(
            given(),
            c.AddBankAccount(
                bank_account_id=uuid.uuid4(),
                kind="bacs",
                payment_token="Dtok",
                last_digits="19",
                fingerprint="fp",
                account_type=None,
                billing_address_id=unknown,
                personal=BankAccountPersonal(),
            ),
        )


# --- bank accounts and mandates ----------------------------------------------------------------------


def test_removing_a_bank_account_removes_its_mandates_and_only_its_own() -> None:
    account, other = uuid.uuid4(), uuid.uuid4()
    m1, m2, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    state = given(
        account_added(account),
        account_added(other),
        mandate_added(m1, account),
        mandate_added(m2, account),
        mandate_added(elsewhere, other),
    )
    events = when(state, c.RemoveBankAccount(bank_account_id=account, kind="bacs"))
    assert events == [
        MandateRemoved(mandate_id=m1),
        MandateRemoved(mandate_id=m2),
        BankAccountRemoved(bank_account_id=account),
    ]
    after = then(state, events)
    assert list(after.mandates) == [elsewhere]
    assert list(after.bank_accounts) == [other]


def _status(mandate_id: uuid.UUID, status: MandateStatus) -> c.ChangeMandateStatus:
    return c.ChangeMandateStatus(
        mandate_id=mandate_id, status=status, status_change_date="2026-02-01T00:00:00Z"
    )


@pytest.mark.parametrize("closed", sorted(CLOSED_MANDATE_STATUSES))
def test_a_closed_mandate_never_changes_status_again(closed: MandateStatus) -> None:
    account, mandate = uuid.uuid4(), uuid.uuid4()
    state = given(account_added(account), mandate_added(mandate, account))
    state = then(state, when(state, _status(mandate, closed)))
    for status in get_args(MandateStatus):
        with pytest.raises(MandateClosed):
            when(state, _status(mandate, status))


def test_an_open_mandate_moves_between_statuses() -> None:
    account, mandate = uuid.uuid4(), uuid.uuid4()
    state = given(account_added(account), mandate_added(mandate, account))
    for status in ("BATCHED", "ACTIVE", "CANCELLED"):
        events = when(state, _status(mandate, status))
        assert events == [
            MandateStatusChanged(
                mandate_id=mandate, status=status, status_change_date="2026-02-01T00:00:00Z"
            )
        ]
        state = then(state, events)
    assert state.mandates[mandate].status == "CANCELLED"


def test_a_closed_mandate_refusal_names_the_mandate() -> None:
    account, mandate = uuid.uuid4(), uuid.uuid4()
    state = given(account_added(account), mandate_added(mandate, account))
    state = then(state, when(state, _status(mandate, "CANCELLED")))
    with pytest.raises(MandateClosed) as refused:
        when(state, _status(mandate, "ACTIVE"))
    assert refused.value.args == (str(mandate),)


@pytest.mark.parametrize(
    "command",
    [
        lambda m: c.RemoveMandate(mandate_id=m),
        lambda m: _status(m, "ACTIVE"),
    ],
    ids=["remove", "change status"],
)
def test_an_unknown_mandate_is_not_found(command) -> None:  # type: ignore[no-untyped-def]
    account, mandate, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    state = given(account_added(account), mandate_added(mandate, account))
    with pytest.raises(MandateNotFound) as refused:
        when(state, command(unknown))
    assert refused.value.mandate_id == unknown
    assert when(state, c.RemoveMandate(mandate_id=mandate)) == [MandateRemoved(mandate_id=mandate)]


def test_the_state_holds_every_field_of_the_account_and_mandate_events() -> None:
    account, mandate, address = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    state = given(account_added(account), mandate_added(mandate, account))
    assert state.bank_accounts[account] == BankAccount(
        bank_account_id=account,
        kind="bacs",
        payment_token=f"D{account.hex[:14]}",
        status="ACTIVE",
        last_digits="19",
        fingerprint=f"fp-{account}",
        account_type=None,
        billing_address_id=None,
        personal=BankAccountPersonal(account_holder_name="Ada"),
    )
    assert state.mandates[mandate] == Mandate(
        mandate_id=mandate,
        bank_account_id=account,
        payment_token=f"M{mandate.hex[:14]}",
        reference="REF",
        status="PENDING",
        status_change_date="2026-01-01T00:00:00Z",
    )
    renamed = BankAccountPersonal(account_holder_name="Ada L", nick_name="n")
    state = then(
        state,
        [
            BankAccountUpdated(
                bank_account_id=account,
                account_type="SAVINGS",
                billing_address_id=address,
                personal=renamed,
            ),
            MandateStatusChanged(
                mandate_id=mandate, status="ACTIVE", status_change_date="2026-03-01T00:00:00Z"
            ),
        ],
    )
    updated = state.bank_accounts[account]
    assert (updated.account_type, updated.billing_address_id, updated.personal) == (
        "SAVINGS",
        address,
        renamed,
    )
    assert (updated.payment_token, updated.last_digits) == (f"D{account.hex[:14]}", "19")
    changed = state.mandates[mandate]
    assert (changed.status, changed.status_change_date, changed.reference) == (
        "ACTIVE",
        "2026-03-01T00:00:00Z",
        "REF",
    )
