"""The card, bank-account and mandate commands of the Profile aggregate, given/when/then: the exact
events ``decide`` emits (every field), and the refusal (its type and the id it carries) when the
command does not apply."""

from __future__ import annotations

import uuid

import pytest

from events.types import (
    BankAccountAdded,
    BankAccountPersonal,
    BankAccountRemoved,
    BankAccountUpdated,
    CardAdded,
    CardExpiry,
    CardPersonal,
    CardRemoved,
    CardUpdated,
    DefaultCardChanged,
    Event,
    MandateAdded,
    MandateRemoved,
)
from service.domain import commands as c
from service.domain import instruments
from service.domain.errors import (
    BankAccountNotFound,
    BillingAddressNotFound,
    CardNotFound,
)
from tests.unit.domain.history import (
    ACCOUNT,
    ACCOUNT_ADDED,
    CARD,
    CARD_ADDED,
    HOME,
    HOME_ADDED,
    given,
    when,
)

# --- cards -----------------------------------------------------------------------------------------


def _new_card(**change: object) -> c.NewCard:
    fields: dict[str, object] = {
        "card_id": uuid.uuid4(),
        "payment_token": "CtokSecond",
        "card_bin": "378282",
        "last_digits": "0005",
        "card_type": "AM",
        "card_category": "CREDIT",
        "card_expiry": CardExpiry(month=7, year=2033),
        "fingerprint": "fp-second",
        "default_card_indicator": False,
        "billing_address_id": None,
        "billing_address": None,
        "single_use_token": None,
        "personal": CardPersonal(merchant_ref_num="r2"),
        **change,
    }
    return c.NewCard(**fields)  # type: ignore[arg-type]


def test_a_second_card_billed_to_an_address_of_the_profile_is_added_as_asked() -> None:
    new = _new_card(billing_address_id=HOME)
    assert when(given(HOME_ADDED, CARD_ADDED), c.AddCard(card=new)) == [
        CardAdded(
            card_id=new.card_id,
            payment_token="CtokSecond",
            status="ACTIVE",
            card_bin="378282",
            last_digits="0005",
            card_type="AM",
            card_category="CREDIT",
            card_expiry=CardExpiry(month=7, year=2033),
            fingerprint="fp-second",
            default_card_indicator=False,
            billing_address_id=HOME,
            single_use_token=None,
            personal=CardPersonal(merchant_ref_num="r2"),
        )
    ]


def test_a_second_card_asked_to_be_the_default_becomes_it() -> None:
    new = _new_card(default_card_indicator=True)
    events = when(given(CARD_ADDED), c.AddCard(card=new))
    assert [type(e) for e in events] == [CardAdded, DefaultCardChanged]
    assert events[1] == DefaultCardChanged(card_id=new.card_id)


def test_a_card_billed_to_an_unknown_address_is_refused_with_that_address() -> None:
    unknown = uuid.uuid4()
    with pytest.raises(BillingAddressNotFound) as refused:
        when(given(HOME_ADDED), c.AddCard(card=_new_card(billing_address_id=unknown)))
    assert refused.value.args == (str(unknown),)


def _update(card_id: uuid.UUID = CARD, **change: object) -> c.UpdateCard:
    fields: dict[str, object] = {
        "card_id": card_id,
        "card_expiry": CardExpiry(month=9, year=2034),
        "default_card_indicator": None,
        "billing_address_id": HOME,
        "personal": CardPersonal(holder_name="A. Lovelace"),
        **change,
    }
    return c.UpdateCard(**fields)  # type: ignore[arg-type]


def test_updating_a_card_replaces_expiry_billing_address_and_personal_data() -> None:
    assert when(given(HOME_ADDED, CARD_ADDED), _update()) == [
        CardUpdated(
            card_id=CARD,
            card_expiry=CardExpiry(month=9, year=2034),
            billing_address_id=HOME,
            personal=CardPersonal(holder_name="A. Lovelace"),
        )
    ]


def test_an_update_without_an_expiry_keeps_the_cards_own() -> None:
    events = when(given(CARD_ADDED), _update(card_expiry=None, billing_address_id=None))
    assert events == [
        CardUpdated(
            card_id=CARD,
            card_expiry=CardExpiry(month=3, year=2031),
            billing_address_id=None,
            personal=CardPersonal(holder_name="A. Lovelace"),
        )
    ]


@pytest.mark.parametrize(
    ("is_default", "wanted", "change"),
    [
        (False, True, [DefaultCardChanged(card_id=CARD)]),
        (True, True, []),  # already the default: nothing to change
        (False, False, []),  # already not the default
        (True, False, [DefaultCardChanged(card_id=None)]),
        (True, None, []),
        (False, None, []),
    ],
)
def test_an_update_changes_the_default_only_when_it_asks_for_another_one(
    is_default: bool, wanted: bool | None, change: list[Event]
) -> None:
    history: list[Event] = [CARD_ADDED]
    if is_default:
        history.append(DefaultCardChanged(card_id=CARD))
    events = when(given(*history), _update(default_card_indicator=wanted, billing_address_id=None))
    assert events[1:] == change


def test_an_update_billed_to_an_unknown_address_is_refused_with_that_address() -> None:
    unknown = uuid.uuid4()
    with pytest.raises(BillingAddressNotFound) as refused:
        when(given(CARD_ADDED), _update(billing_address_id=unknown))
    assert refused.value.args == (str(unknown),)


@pytest.mark.parametrize(
    "command",
    [lambda card: _update(card_id=card), lambda card: c.RemoveCard(card_id=card)],
    ids=["update", "remove"],
)
def test_an_unknown_card_is_not_found_under_its_id(command) -> None:  # type: ignore[no-untyped-def]
    unknown = uuid.uuid4()
    with pytest.raises(CardNotFound) as refused:
        when(given(HOME_ADDED, CARD_ADDED), command(unknown))
    assert refused.value.card_id == unknown


def test_removing_a_card_records_its_id() -> None:
    assert when(given(CARD_ADDED), c.RemoveCard(card_id=CARD)) == [CardRemoved(card_id=CARD)]


# --- bank accounts and mandates --------------------------------------------------------------------


def test_adding_a_bank_account_records_every_field_active() -> None:
    account = uuid.uuid4()
    command = c.AddBankAccount(
        bank_account_id=account,
        kind="ach",
        payment_token="DtokNew",
        last_digits="6789",
        fingerprint="fp-ach",
        account_type="CHECKING",
        billing_address_id=HOME,
        personal=BankAccountPersonal(routing_number="123456789"),
    )
    assert when(given(HOME_ADDED), command) == [
        BankAccountAdded(
            bank_account_id=account,
            kind="ach",
            payment_token="DtokNew",
            status="ACTIVE",
            last_digits="6789",
            fingerprint="fp-ach",
            account_type="CHECKING",
            billing_address_id=HOME,
            personal=BankAccountPersonal(routing_number="123456789"),
        )
    ]


def test_updating_a_bank_account_replaces_type_billing_address_and_personal_data() -> None:
    command = c.UpdateBankAccount(
        bank_account_id=ACCOUNT,
        kind="sepa",
        account_type="SAVINGS",
        billing_address_id=HOME,
        personal=BankAccountPersonal(bic="DEUTDEFF"),
    )
    assert when(given(HOME_ADDED, ACCOUNT_ADDED), command) == [
        BankAccountUpdated(
            bank_account_id=ACCOUNT,
            account_type="SAVINGS",
            billing_address_id=HOME,
            personal=BankAccountPersonal(bic="DEUTDEFF"),
        )
    ]


def test_an_account_update_billed_to_an_unknown_address_is_refused_with_that_address() -> None:
    unknown = uuid.uuid4()
    command = c.UpdateBankAccount(
        bank_account_id=ACCOUNT,
        kind="sepa",
        account_type=None,
        billing_address_id=unknown,
        personal=None,
    )
    with pytest.raises(BillingAddressNotFound) as refused:
        when(given(ACCOUNT_ADDED), command)
    assert refused.value.args == (str(unknown),)


def test_adding_a_mandate_records_it_pending() -> None:
    mandate = uuid.uuid4()
    command = c.AddMandate(
        mandate_id=mandate,
        bank_account_id=ACCOUNT,
        kind="sepa",
        payment_token="MtokNew",
        reference="SEPA-REF-1",
        status_change_date="2026-04-01T10:00:00Z",
    )
    assert when(given(ACCOUNT_ADDED), command) == [
        MandateAdded(
            mandate_id=mandate,
            bank_account_id=ACCOUNT,
            payment_token="MtokNew",
            reference="SEPA-REF-1",
            status="PENDING",
            status_change_date="2026-04-01T10:00:00Z",
        )
    ]


ACCOUNT_COMMANDS = [
    lambda account, kind: c.UpdateBankAccount(
        bank_account_id=account,
        kind=kind,
        account_type=None,
        billing_address_id=None,
        personal=None,
    ),
    lambda account, kind: c.RemoveBankAccount(bank_account_id=account, kind=kind),
    lambda account, kind: c.AddMandate(
        mandate_id=uuid.uuid4(),
        bank_account_id=account,
        kind=kind,
        payment_token="Mtok",
        reference="R",
        status_change_date="2026-04-01T10:00:00Z",
    ),
]
ACCOUNT_COMMAND_IDS = ["update", "remove", "add mandate"]


@pytest.mark.parametrize("command", ACCOUNT_COMMANDS, ids=ACCOUNT_COMMAND_IDS)
def test_an_account_of_another_kind_is_not_found_under_its_id(command) -> None:  # type: ignore[no-untyped-def]
    state = given(ACCOUNT_ADDED)
    for kind in ("ach", "eft", "bacs"):  # the account is a sepa one
        with pytest.raises(BankAccountNotFound) as refused:
            when(state, command(ACCOUNT, kind))
        assert refused.value.bank_account_id == ACCOUNT
    assert when(state, command(ACCOUNT, "sepa"))


@pytest.mark.parametrize("command", ACCOUNT_COMMANDS, ids=ACCOUNT_COMMAND_IDS)
def test_an_unknown_account_is_not_found_under_its_id(command) -> None:  # type: ignore[no-untyped-def]
    unknown = uuid.uuid4()
    with pytest.raises(BankAccountNotFound) as refused:
        when(given(ACCOUNT_ADDED), command(unknown, "sepa"))
    assert refused.value.bank_account_id == unknown


def test_removing_an_account_without_mandates_removes_only_it() -> None:
    command = c.RemoveBankAccount(bank_account_id=ACCOUNT, kind="sepa")
    assert when(given(ACCOUNT_ADDED), command) == [BankAccountRemoved(bank_account_id=ACCOUNT)]


def test_removing_a_mandate_records_its_id() -> None:
    mandate = uuid.uuid4()
    added = MandateAdded(
        mandate_id=mandate,
        bank_account_id=ACCOUNT,
        payment_token="Mtok",
        reference="R",
        status="PENDING",
        status_change_date="2026-04-01T10:00:00Z",
    )
    assert when(given(ACCOUNT_ADDED, added), c.RemoveMandate(mandate_id=mandate)) == [
        MandateRemoved(mandate_id=mandate)
    ]


def test_the_instrument_rules_refuse_a_command_that_is_not_theirs() -> None:
    with pytest.raises(TypeError, match="not an instrument command"):
        instruments.decide(given(), c.DeleteProfile())
