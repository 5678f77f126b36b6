"""Decisions and state changes for a profile's instruments: cards, bank accounts, mandates.

Uniqueness of a card on a profile (Paysafe 7503) is decided here from the fingerprints the
aggregate holds: all of a profile's cards live in its one stream, so the append's version check
already serialises every decision about them; a separate uniqueness row would add nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Final

from msgspec.structs import asdict
from msgspec.structs import replace as revised

from events.types import (
    AddressAdded,
    BankAccountAdded,
    BankAccountRemoved,
    BankAccountUpdated,
    CardAdded,
    CardRemoved,
    CardUpdated,
    DefaultCardChanged,
    Event,
    MandateAdded,
    MandateRemoved,
    MandateStatus,
    MandateStatusChanged,
)
from service.domain import commands as c
from service.domain.errors import (
    BankAccountNotFound,
    BillingAddressNotFound,
    CardAlreadyOnProfile,
    CardNotFound,
    MandateClosed,
    MandateNotFound,
)
from service.domain.state import BankAccount, Card, Mandate, Profile

ACTIVE: Final = "ACTIVE"
# A new mandate is ready to be batched; Paysafe moves it on (BATCHED, ACTIVE, …) from there.
NEW_MANDATE_STATUS: Final = "PENDING"
# Statuses a mandate cannot collect in, and cannot leave: its token is deactivated for good. Being
# terminal is what lets the token's status only ever move from ACTIVE to INACTIVE, so concurrent
# status changes cannot leave a closed mandate whose token still pays.
CLOSED_MANDATE_STATUSES: frozenset[MandateStatus] = frozenset(
    {"DECLINED", "CANCELLED", "REJECTED", "DISPUTED", "INACTIVE"}
)


def _card(state: Profile, card_id: uuid.UUID) -> Card:
    try:
        return state.cards[card_id]
    except KeyError:
        raise CardNotFound(card_id) from None


def _bank_account(state: Profile, bank_account_id: uuid.UUID, kind: str) -> BankAccount:
    account = state.bank_accounts.get(bank_account_id)
    if account is None or account.kind != kind:
        raise BankAccountNotFound(bank_account_id)
    return account


def _mandate(state: Profile, mandate_id: uuid.UUID) -> Mandate:
    try:
        return state.mandates[mandate_id]
    except KeyError:
        raise MandateNotFound(mandate_id) from None


def _check_billing_address(state: Profile, address_id: uuid.UUID | None) -> None:
    if address_id is not None and address_id not in state.addresses:
        raise BillingAddressNotFound(str(address_id))


def add_card(state: Profile, new: c.NewCard) -> list[Event]:
    for existing in state.cards.values():
        if existing.fingerprint == new.fingerprint:
            raise CardAlreadyOnProfile(existing.card_id)
    events: list[Event] = []
    billing_address_id = new.billing_address_id
    if new.billing_address is not None:
        # A nested billingAddress (or a single-use token's) becomes an address of the profile.
        a = new.billing_address
        events.append(
            AddressAdded(
                address_id=a.address_id,
                status=ACTIVE,
                country=a.country,
                default_shipping_address_indicator=a.default_shipping_address_indicator,
                personal=a.personal,
            )
        )
        billing_address_id = a.address_id
    else:
        _check_billing_address(state, billing_address_id)
    # The first card is the default, whatever was asked; a later one only when asked.
    default = new.default_card_indicator or not state.cards
    events.append(
        CardAdded(
            card_id=new.card_id,
            payment_token=new.payment_token,
            status=ACTIVE,
            card_bin=new.card_bin,
            last_digits=new.last_digits,
            card_type=new.card_type,
            card_category=new.card_category,
            card_expiry=new.card_expiry,
            fingerprint=new.fingerprint,
            default_card_indicator=False,
            billing_address_id=billing_address_id,
            single_use_token=new.single_use_token,
            personal=new.personal,
        )
    )
    if default:
        events.append(DefaultCardChanged(card_id=new.card_id))
    return events


def decide(state: Profile, command: c.Command) -> list[Event]:
    match command:
        case c.AddCard():
            return add_card(state, command.card)
        case c.UpdateCard():
            card = _card(state, command.card_id)
            _check_billing_address(state, command.billing_address_id)
            events: list[Event] = [
                CardUpdated(
                    card_id=card.card_id,
                    card_expiry=command.card_expiry or card.card_expiry,
                    billing_address_id=command.billing_address_id,
                    personal=command.personal,
                )
            ]
            wanted = command.default_card_indicator
            if wanted is True and not card.default_card_indicator:
                events.append(DefaultCardChanged(card_id=card.card_id))
            elif wanted is False and card.default_card_indicator:
                events.append(DefaultCardChanged(card_id=None))
            return events
        case c.RemoveCard():
            _card(state, command.card_id)
            return [CardRemoved(card_id=command.card_id)]
        case c.AddBankAccount():
            _check_billing_address(state, command.billing_address_id)
            return [
                BankAccountAdded(
                    bank_account_id=command.bank_account_id,
                    kind=command.kind,
                    payment_token=command.payment_token,
                    status=ACTIVE,
                    last_digits=command.last_digits,
                    fingerprint=command.fingerprint,
                    account_type=command.account_type,
                    billing_address_id=command.billing_address_id,
                    personal=command.personal,
                )
            ]
        case c.UpdateBankAccount():
            _bank_account(state, command.bank_account_id, command.kind)
            _check_billing_address(state, command.billing_address_id)
            return [
                BankAccountUpdated(
                    bank_account_id=command.bank_account_id,
                    account_type=command.account_type,
                    billing_address_id=command.billing_address_id,
                    personal=command.personal,
                )
            ]
        case c.RemoveBankAccount():
            account = _bank_account(state, command.bank_account_id, command.kind)
            dependants = [
                MandateRemoved(mandate_id=m.mandate_id)
                for m in state.mandates.values()
                if m.bank_account_id == account.bank_account_id
            ]
            return [*dependants, BankAccountRemoved(bank_account_id=account.bank_account_id)]
        case c.AddMandate():
            _bank_account(state, command.bank_account_id, command.kind)
            return [
                MandateAdded(
                    mandate_id=command.mandate_id,
                    bank_account_id=command.bank_account_id,
                    payment_token=command.payment_token,
                    reference=command.reference,
                    status=NEW_MANDATE_STATUS,
                    status_change_date=command.status_change_date,
                )
            ]
        case c.ChangeMandateStatus():
            if _mandate(state, command.mandate_id).status in CLOSED_MANDATE_STATUSES:
                raise MandateClosed(str(command.mandate_id))
            return [
                MandateStatusChanged(
                    mandate_id=command.mandate_id,
                    status=command.status,
                    status_change_date=command.status_change_date,
                )
            ]
        case c.RemoveMandate():
            _mandate(state, command.mandate_id)
            return [MandateRemoved(mandate_id=command.mandate_id)]
    raise TypeError(f"not an instrument command: {command!r}")


def evolve(state: Profile, event: Event) -> Profile | None:
    """The instrument part of ``profile.evolve``; None when ``event`` is not an instrument event.
    An added instrument's state is the event's fields (``events.types.Vaulted*``); ``revised``
    changes an instrument (a msgspec struct), ``replace`` the profile (a dataclass)."""
    match event:
        case CardAdded():
            card = Card(**asdict(event))
            return replace(state, cards={**state.cards, card.card_id: card})
        case CardUpdated():
            card = revised(
                state.cards[event.card_id],
                card_expiry=event.card_expiry,
                billing_address_id=event.billing_address_id,
                personal=event.personal,
            )
            return replace(state, cards={**state.cards, card.card_id: card})
        case DefaultCardChanged():
            cards = {
                k: revised(v, default_card_indicator=(k == event.card_id))
                for k, v in state.cards.items()
            }
            return replace(state, cards=cards)
        case CardRemoved():
            return replace(
                state, cards={k: v for k, v in state.cards.items() if k != event.card_id}
            )
        case BankAccountAdded():
            account = BankAccount(**asdict(event))
            return replace(
                state, bank_accounts={**state.bank_accounts, account.bank_account_id: account}
            )
        case BankAccountUpdated():
            account = revised(
                state.bank_accounts[event.bank_account_id],
                account_type=event.account_type,
                billing_address_id=event.billing_address_id,
                personal=event.personal,
            )
            return replace(
                state, bank_accounts={**state.bank_accounts, account.bank_account_id: account}
            )
        case BankAccountRemoved():
            remaining = {k: v for k, v in state.bank_accounts.items() if k != event.bank_account_id}
            return replace(state, bank_accounts=remaining)
        case MandateAdded():
            mandate = Mandate(**asdict(event))
            return replace(state, mandates={**state.mandates, mandate.mandate_id: mandate})
        case MandateStatusChanged():
            mandate = revised(
                state.mandates[event.mandate_id],
                status=event.status,
                status_change_date=event.status_change_date,
            )
            return replace(state, mandates={**state.mandates, mandate.mandate_id: mandate})
        case MandateRemoved():
            mandates = {k: v for k, v in state.mandates.items() if k != event.mandate_id}
            return replace(state, mandates=mandates)
    return None
