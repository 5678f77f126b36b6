"""The state ``evolve`` builds from each event, every field: what later decisions read (defaults,
fingerprints, billing links, account kinds, mandate statuses) and what deletion must destroy."""

from __future__ import annotations

import uuid
from typing import ClassVar

import pytest

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    AddressUpdated,
    BankAccountAdded,
    BankAccountPersonal,
    BankAccountUpdated,
    CardAdded,
    CardExpiry,
    CardPersonal,
    CardRemoved,
    CardUpdated,
    DefaultCardChanged,
    Event,
    MandateAdded,
    ProfileCreated,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)
from service.domain import instruments
from service.domain import profile as agg
from service.domain.state import Address, BankAccount, Card, Mandate, Profile
from tests.unit.domain.history import replace

M, P = uuid.uuid4(), uuid.uuid4()
HOME, WORK = uuid.uuid4(), uuid.uuid4()
CARD, OTHER_CARD, ACCOUNT, MANDATE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PERSONAL = ProfilePersonal(merchant_customer_id="cust-9", email="x@y.z")
CREATED = ProfileCreated(
    profile_id=P,
    merchant_id=M,
    payment_token="PtokE",
    status="INITIAL",
    locale="it_IT",
    personal=PERSONAL,
)
CARD_ADDED = CardAdded(
    card_id=CARD,
    payment_token="CtokE",
    status="INITIAL",
    card_bin="601111",
    last_digits="1117",
    card_type="DI",
    card_category="DEBIT",
    card_expiry=CardExpiry(month=4, year=2035),
    fingerprint="fp-e",
    default_card_indicator=True,
    billing_address_id=HOME,
    single_use_token="SUT-e",
    personal=CardPersonal(holder_name="Eve"),
)
ACCOUNT_ADDED = BankAccountAdded(
    bank_account_id=ACCOUNT,
    kind="ach",
    payment_token="DtokE",
    status="INVALID",
    last_digits="4321",
    fingerprint="fp-ach-e",
    account_type="LOAN",
    billing_address_id=HOME,
    personal=BankAccountPersonal(account_holder_name="Eve", routing_number="021000021"),
)
MANDATE_ADDED = MandateAdded(
    mandate_id=MANDATE,
    bank_account_id=ACCOUNT,
    payment_token="MtokE",
    reference="REF-E",
    status="BATCHED",
    status_change_date="2026-05-05T05:05:05Z",
)


def fold(*history: Event) -> Profile:
    state = agg.fold([CREATED, *history])
    assert state is not None
    return state


def test_a_created_profile_holds_every_field_and_nothing_else() -> None:
    assert fold() == Profile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokE",
        status="INITIAL",
        locale="it_IT",
        personal=PERSONAL,
    )
    assert fold().merchant_customer_id == "cust-9"
    assert not fold().deleted


def test_no_history_is_no_profile() -> None:
    assert agg.fold([]) is None


def test_an_update_replaces_status_locale_and_personal_data() -> None:
    updated = fold(ProfileUpdated(status="ACTIVE", locale="es_ES", personal=None))
    assert updated == replace(fold(), status="ACTIVE", locale="es_ES", personal=None)
    assert updated.merchant_customer_id is None


def test_a_deleted_profile_keeps_its_identity_and_holds_nothing() -> None:
    history = [CARD_ADDED, ACCOUNT_ADDED, MANDATE_ADDED]
    home = AddressAdded(
        address_id=HOME,
        status="ACTIVE",
        country="IT",
        default_shipping_address_indicator=False,
        personal=None,
    )
    deleted = fold(home, *history, ProfileDeleted(profile_id=P))
    assert deleted == replace(fold(), deleted=True)
    assert deleted.payment_tokens() == []


@pytest.mark.parametrize("event_type", [AddressAdded, AddressUpdated])
def test_an_added_or_updated_address_holds_every_field(
    event_type: type[AddressAdded] | type[AddressUpdated],
) -> None:
    event = event_type(
        address_id=WORK,
        status="INITIAL",
        country="JP",
        default_shipping_address_indicator=True,
        personal=AddressPersonal(city="Kyoto"),
    )
    assert fold(event).addresses == {
        WORK: Address(
            address_id=WORK,
            status="INITIAL",
            country="JP",
            default_shipping_address_indicator=True,
            personal=AddressPersonal(city="Kyoto"),
        )
    }


CARD_STATE = Card(
    card_id=CARD,
    payment_token="CtokE",
    status="INITIAL",
    card_bin="601111",
    last_digits="1117",
    card_type="DI",
    card_category="DEBIT",
    card_expiry=CardExpiry(month=4, year=2035),
    fingerprint="fp-e",
    default_card_indicator=True,
    billing_address_id=HOME,
    single_use_token="SUT-e",
    personal=CardPersonal(holder_name="Eve"),
)


def test_an_added_card_holds_every_field() -> None:
    assert fold(CARD_ADDED).cards == {CARD: CARD_STATE}


def test_an_updated_card_replaces_expiry_billing_address_and_personal_data_only() -> None:
    update = CardUpdated(
        card_id=CARD,
        card_expiry=CardExpiry(month=5, year=2036),
        billing_address_id=WORK,
        personal=CardPersonal(nick_name="work"),
    )
    other = replace(CARD_ADDED, card_id=OTHER_CARD, fingerprint="fp-other")
    state = fold(CARD_ADDED, other, update)
    assert state.cards[CARD] == replace(
        CARD_STATE,
        card_expiry=CardExpiry(month=5, year=2036),
        billing_address_id=WORK,
        personal=CardPersonal(nick_name="work"),
    )
    assert list(state.cards) == [CARD, OTHER_CARD]
    assert state.cards[OTHER_CARD] == replace(
        CARD_STATE, card_id=OTHER_CARD, fingerprint="fp-other"
    )


def test_a_default_change_marks_that_card_alone_and_none_marks_no_card() -> None:
    other = replace(CARD_ADDED, card_id=OTHER_CARD, default_card_indicator=False)
    state = fold(CARD_ADDED, other, DefaultCardChanged(card_id=OTHER_CARD))
    assert {k: c.default_card_indicator for k, c in state.cards.items()} == {
        CARD: False,
        OTHER_CARD: True,
    }
    cleared = fold(CARD_ADDED, other, DefaultCardChanged(card_id=None))
    assert [c.default_card_indicator for c in cleared.cards.values()] == [False, False]


def test_a_removed_card_leaves_the_others() -> None:
    other = replace(CARD_ADDED, card_id=OTHER_CARD)
    assert list(fold(CARD_ADDED, other, CardRemoved(card_id=CARD)).cards) == [OTHER_CARD]


ACCOUNT_STATE = BankAccount(
    bank_account_id=ACCOUNT,
    kind="ach",
    payment_token="DtokE",
    status="INVALID",
    last_digits="4321",
    fingerprint="fp-ach-e",
    account_type="LOAN",
    billing_address_id=HOME,
    personal=BankAccountPersonal(account_holder_name="Eve", routing_number="021000021"),
)


def test_an_added_account_holds_every_field() -> None:
    assert fold(ACCOUNT_ADDED).bank_accounts == {ACCOUNT: ACCOUNT_STATE}


def test_an_updated_account_replaces_type_billing_address_and_personal_data_only() -> None:
    update = BankAccountUpdated(
        bank_account_id=ACCOUNT,
        account_type=None,
        billing_address_id=None,
        personal=BankAccountPersonal(nick_name="loan"),
    )
    assert fold(ACCOUNT_ADDED, update).bank_accounts == {
        ACCOUNT: replace(
            ACCOUNT_STATE,
            account_type=None,
            billing_address_id=None,
            personal=BankAccountPersonal(nick_name="loan"),
        )
    }


def test_an_added_mandate_holds_every_field() -> None:
    assert fold(ACCOUNT_ADDED, MANDATE_ADDED).mandates == {
        MANDATE: Mandate(
            mandate_id=MANDATE,
            bank_account_id=ACCOUNT,
            payment_token="MtokE",
            reference="REF-E",
            status="BATCHED",
            status_change_date="2026-05-05T05:05:05Z",
        )
    }


def test_the_tokens_to_destroy_are_every_card_mandate_and_account_token() -> None:
    other = replace(CARD_ADDED, card_id=OTHER_CARD, payment_token="CtokOther")
    state = fold(CARD_ADDED, other, ACCOUNT_ADDED, MANDATE_ADDED)
    assert state.payment_tokens() == ["CtokE", "CtokOther", "MtokE", "DtokE"]


def test_instrument_evolve_leaves_profile_events_to_the_aggregate() -> None:
    assert (
        instruments.evolve(fold(), ProfileUpdated(status="ACTIVE", locale="x", personal=None))
        is None
    )


def test_an_event_before_the_profile_was_created_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^CardRemoved before ProfileCreated$"):
        agg.evolve(None, CardRemoved(card_id=CARD))


def test_removing_an_address_unlinks_only_the_account_billed_to_it() -> None:
    work_account = replace(
        ACCOUNT_ADDED, bank_account_id=uuid.uuid4(), billing_address_id=WORK, fingerprint="fp-w"
    )
    state = fold(ACCOUNT_ADDED, work_account, AddressRemoved(address_id=HOME))
    assert [a.billing_address_id for a in state.bank_accounts.values()] == [None, WORK]


class Unheard(Event, frozen=True, kw_only=True):
    """An event no part of the aggregate knows (never registered with the codec)."""

    event_type: ClassVar[str] = "Unheard"


def test_an_event_the_aggregate_does_not_know_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^unknown event Unheard$"):
        agg.evolve(fold(), Unheard())
