"""Every command of the Profile aggregate, given/when/then: the exact events ``decide`` emits (every
field), and the refusal (its type and the id it carries) when the command does not apply."""

from __future__ import annotations

import uuid

import pytest

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    AddressUpdated,
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
    ProfileCreated,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)
from service.domain import commands as c
from service.domain import instruments
from service.domain import profile as agg
from service.domain.errors import (
    AddressNotFound,
    BankAccountNotFound,
    BillingAddressNotFound,
    CardNotFound,
    ProfileAlreadyExists,
    ProfileNotFound,
)

M, P = uuid.uuid4(), uuid.uuid4()
PERSONAL = ProfilePersonal(merchant_customer_id="cust-7", first_name="Ada", email="ada@x.io")
CREATED = ProfileCreated(
    profile_id=P,
    merchant_id=M,
    payment_token="PtokCreated",
    status="INITIAL",
    locale="fr_CA",
    personal=PERSONAL,
)
HOME = uuid.uuid4()
HOME_ADDED = AddressAdded(
    address_id=HOME,
    status="INITIAL",
    country="GB",
    default_shipping_address_indicator=True,
    personal=AddressPersonal(street="1 Main St", zip="SW1"),
)
CARD = uuid.uuid4()
CARD_ADDED = CardAdded(
    card_id=CARD,
    payment_token="CtokExisting",
    status="ACTIVE",
    card_bin="520040",
    last_digits="0009",
    card_type="MC",
    card_category="CREDIT",
    card_expiry=CardExpiry(month=3, year=2031),
    fingerprint="fp-existing",
    default_card_indicator=False,
    billing_address_id=None,
    single_use_token=None,
    personal=CardPersonal(holder_name="Ada"),
)
ACCOUNT = uuid.uuid4()
ACCOUNT_ADDED = BankAccountAdded(
    bank_account_id=ACCOUNT,
    kind="sepa",
    payment_token="DtokAccount",
    status="ACTIVE",
    last_digits="3000",
    fingerprint="fp-account",
    account_type=None,
    billing_address_id=None,
    personal=BankAccountPersonal(account_holder_name="Ada"),
)


def given(*history: Event) -> agg.Profile:
    state = agg.fold([CREATED, *history])
    assert state is not None
    return state


def when(state: agg.Profile | None, command: c.Command) -> list[Event]:
    return agg.decide(state, command, merchant_id=M, profile_id=P)


# --- the profile -----------------------------------------------------------------------------------


def test_creating_a_profile_records_every_field() -> None:
    command = c.CreateProfile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokNew",
        status="ACTIVE",
        locale="en_GB",
        personal=PERSONAL,
    )
    assert when(None, command) == [
        ProfileCreated(
            profile_id=P,
            merchant_id=M,
            payment_token="PtokNew",
            status="ACTIVE",
            locale="en_GB",
            personal=PERSONAL,
        )
    ]


def test_a_profile_created_with_a_card_and_its_address_adds_both_and_makes_it_the_default() -> None:
    address, card = uuid.uuid4(), uuid.uuid4()
    billing = c.NewAddress(
        address_id=address,
        country="DE",
        default_shipping_address_indicator=True,
        personal=AddressPersonal(city="Berlin"),
    )
    new = c.NewCard(
        card_id=card,
        payment_token="CtokNested",
        card_bin="411111",
        last_digits="1111",
        card_type="VI",
        card_category="CREDIT",
        card_expiry=CardExpiry(month=1, year=2032),
        fingerprint="fp-nested",
        default_card_indicator=False,
        billing_address_id=None,
        billing_address=billing,
        single_use_token="SUTnested",
        personal=CardPersonal(nick_name="travel"),
    )
    command = c.CreateProfile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokNew",
        status="INITIAL",
        locale="en_US",
        personal=PERSONAL,
        card=new,
    )
    events = when(None, command)
    assert events == [
        ProfileCreated(
            profile_id=P,
            merchant_id=M,
            payment_token="PtokNew",
            status="INITIAL",
            locale="en_US",
            personal=PERSONAL,
        ),
        AddressAdded(
            address_id=address,
            status="ACTIVE",
            country="DE",
            default_shipping_address_indicator=True,
            personal=AddressPersonal(city="Berlin"),
        ),
        CardAdded(
            card_id=card,
            payment_token="CtokNested",
            status="ACTIVE",
            card_bin="411111",
            last_digits="1111",
            card_type="VI",
            card_category="CREDIT",
            card_expiry=CardExpiry(month=1, year=2032),
            fingerprint="fp-nested",
            default_card_indicator=False,
            billing_address_id=address,
            single_use_token="SUTnested",
            personal=CardPersonal(nick_name="travel"),
        ),
        DefaultCardChanged(card_id=card),
    ]


def test_creating_a_profile_that_exists_is_refused_with_its_id() -> None:
    command = c.CreateProfile(
        profile_id=P,
        merchant_id=M,
        payment_token="PtokAgain",
        status="ACTIVE",
        locale="en_US",
        personal=PERSONAL,
    )
    with pytest.raises(ProfileAlreadyExists) as refused:
        when(given(), command)
    assert refused.value.args == (str(P),)


@pytest.mark.parametrize("status", ["ACTIVE", "INITIAL"])
def test_an_update_replaces_status_locale_and_personal_data(status: str) -> None:
    changed = ProfilePersonal(merchant_customer_id="cust-8", last_name="Lovelace")
    command = c.UpdateProfile(status=status, locale="de_DE", personal=changed)  # type: ignore[arg-type]
    assert when(given(), command) == [
        ProfileUpdated(status=status, locale="de_DE", personal=changed)  # type: ignore[arg-type]
    ]


def test_an_update_without_a_status_keeps_the_current_one() -> None:
    command = c.UpdateProfile(status=None, locale="de_DE", personal=None)  # type: ignore[arg-type]
    assert when(given(), command) == [
        ProfileUpdated(status="INITIAL", locale="de_DE", personal=None)
    ]


def test_deleting_a_profile_records_its_id() -> None:
    assert when(given(), c.DeleteProfile()) == [ProfileDeleted(profile_id=P)]


@pytest.mark.parametrize(
    "state",
    [None, given(ProfileDeleted(profile_id=P))],
    ids=["missing", "deleted"],
)
def test_a_missing_or_deleted_profile_is_not_found_under_the_asked_id(
    state: agg.Profile | None,
) -> None:
    asked = uuid.uuid4()
    with pytest.raises(ProfileNotFound) as refused:
        agg.decide(state, c.DeleteProfile(), merchant_id=M, profile_id=asked)
    assert refused.value.profile_id == asked


def test_another_merchants_profile_is_not_found() -> None:
    with pytest.raises(ProfileNotFound) as refused:
        agg.decide(given(), c.DeleteProfile(), merchant_id=uuid.uuid4(), profile_id=P)
    assert refused.value.profile_id == P
    assert when(given(), c.DeleteProfile())  # its own merchant may


# --- addresses -------------------------------------------------------------------------------------


def test_adding_an_address_records_it_active() -> None:
    address = uuid.uuid4()
    command = c.AddAddress(
        address_id=address,
        country="FR",
        default_shipping_address_indicator=True,
        personal=AddressPersonal(city="Paris"),
    )
    assert when(given(), command) == [
        AddressAdded(
            address_id=address,
            status="ACTIVE",
            country="FR",
            default_shipping_address_indicator=True,
            personal=AddressPersonal(city="Paris"),
        )
    ]


def test_updating_an_address_replaces_its_fields_and_keeps_its_status() -> None:
    command = c.UpdateAddress(
        address_id=HOME,
        country="IE",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(city="Cork"),
    )
    assert when(given(HOME_ADDED), command) == [
        AddressUpdated(
            address_id=HOME,
            status="INITIAL",  # the address's own status, not a fresh ACTIVE
            country="IE",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(city="Cork"),
        )
    ]


def test_removing_an_address_records_its_id() -> None:
    assert when(given(HOME_ADDED), c.RemoveAddress(address_id=HOME)) == [
        AddressRemoved(address_id=HOME)
    ]


@pytest.mark.parametrize(
    "command",
    [
        lambda a: c.RemoveAddress(address_id=a),
        lambda a: c.UpdateAddress(
            address_id=a,
            country="IE",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(),
        ),
    ],
    ids=["remove", "update"],
)
def test_an_unknown_address_is_not_found_under_its_id(command) -> None:  # type: ignore[no-untyped-def]
    unknown = uuid.uuid4()
    with pytest.raises(AddressNotFound) as refused:
        when(given(HOME_ADDED), command(unknown))
    assert refused.value.address_id == unknown


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
