"""A profile's history for the decision tests: a created profile, an address, a card and a
bank account, each with a distinct value in every field, and ``given``/``when`` to decide on it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TypeVar

import msgspec

from events.types import (
    AddressAdded,
    AddressPersonal,
    BankAccountAdded,
    BankAccountPersonal,
    CardAdded,
    CardExpiry,
    CardPersonal,
    Event,
    ProfileCreated,
    ProfilePersonal,
)
from service.domain import commands as c
from service.domain import profile as agg

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


T = TypeVar("T")


def given(*history: Event) -> agg.Profile:
    state = agg.fold([CREATED, *history])
    assert state is not None
    return state


def when(state: agg.Profile | None, command: c.Command) -> list[Event]:
    return agg.decide(state, command, merchant_id=M, profile_id=P)


def replace(state: T, **changes: object) -> T:
    """A copy of a piece of state with ``changes``: profiles and addresses are dataclasses, the
    vaulted instruments msgspec structs (their fields are the events')."""
    if isinstance(state, msgspec.Struct):
        return msgspec.structs.replace(state, **changes)
    return dataclasses.replace(state, **changes)  # type: ignore[type-var]
