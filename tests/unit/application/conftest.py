"""The application layer on the in-memory adapters: no server, no socket, milliseconds a test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from events.envelope import profile_stream
from events.types import (
    AddressPersonal,
    BankAccountPersonal,
    CardExpiry,
    CardPersonal,
    ProfilePersonal,
)
from service.application.bank_accounts import BankAccountDetails, BankAccounts
from service.application.cards import CardDetails, Cards
from service.application.lifecycle import Profiles
from service.application.profiles import ProfileCommands
from service.application.repository import ProfileRepository
from service.application.session import Actor
from service.domain import commands as c
from service.domain.state import Profile
from tests.memory import InMemoryProfileStore, InMemoryTokenService

CARD = "4111111111111111"
OTHER_CARD = "5555555555554444"


@dataclass
class Vault:
    store: InMemoryProfileStore
    tokens: InMemoryTokenService
    commands: ProfileCommands
    cards: Cards
    profiles: Profiles
    bank_accounts: BankAccounts
    actor: Actor

    async def profile(
        self, customer_id: str | None = None, card: CardDetails | None = None
    ) -> uuid.UUID:
        pid = uuid.uuid4()
        command = create_profile(pid, customer_id or str(pid), self.actor.merchant_id)
        await self.profiles.create(self.actor, command, card)
        return pid

    async def state(self, profile_id: uuid.UUID) -> Profile | None:
        return (await self.commands.repository.load(profile_id)).state

    async def live(self, profile_id: uuid.UUID) -> Profile:
        return await self.commands.current(self.actor.merchant_id, profile_id)

    async def address(self, profile_id: uuid.UUID, zip_code: str = "M5H 2N2") -> uuid.UUID:
        address_id = uuid.uuid4()
        command = c.AddAddress(
            address_id=address_id,
            country="CA",
            default_shipping_address_indicator=False,
            personal=AddressPersonal(zip=zip_code, city="Toronto"),
        )
        await self.commands.execute(self.actor.merchant_id, profile_id, command, {})
        return address_id

    def stream_length(self, profile_id: uuid.UUID) -> int:
        return len(self.store.data.streams.get(profile_stream(profile_id), []))

    def live_tokens(self) -> set[str]:
        return {t for t, r in self.tokens.records.items() if not r.deleted}

    async def resolves(self, token: str) -> bool:
        try:
            await self.tokens.resolve(self.actor.merchant_id, token)
        except Exception:
            return False
        return True


def create_profile(
    profile_id: uuid.UUID, customer_id: str, merchant_id: uuid.UUID
) -> c.CreateProfile:
    return c.CreateProfile(
        profile_id=profile_id,
        merchant_id=merchant_id,
        payment_token="Ptok",
        status="ACTIVE",
        locale="en_US",
        personal=ProfilePersonal(merchant_customer_id=customer_id),
    )


def card(number: str = CARD, **extra: Any) -> CardDetails:
    instrument = {"cardNum": number, "cardExpiry": {"month": 12, "year": 2050}}
    fields: dict[str, Any] = {
        "instrument": instrument,
        "personal": CardPersonal(holder_name="Ada Lovelace"),
        "card_type": "VI",
        "card_category": "CREDIT",
        "card_expiry": CardExpiry(month=12, year=2050),
        **extra,
    }
    return CardDetails(**fields)


def single_use(token: str, **extra: Any) -> CardDetails:
    return CardDetails(instrument={}, personal=CardPersonal(), single_use_token=token, **extra)


def bacs(account_number: str = "31926819") -> BankAccountDetails:
    return BankAccountDetails(
        kind="bacs",
        instrument={
            "accountNumber": account_number,
            "sortCode": "070116",
            "accountHolderName": "Ada Lovelace",
        },
        account_type=None,
        billing_address_id=None,
        personal=BankAccountPersonal(account_holder_name="Ada Lovelace", sort_code="070116"),
    )


@pytest.fixture
def vault() -> Vault:
    store, tokens = InMemoryProfileStore(), InMemoryTokenService()
    commands = ProfileCommands(ProfileRepository(store))
    cards = Cards(commands, tokens)
    return Vault(
        store=store,
        tokens=tokens,
        commands=commands,
        cards=cards,
        profiles=Profiles(cards),
        bank_accounts=BankAccounts(commands, tokens),
        actor=Actor(merchant_id=uuid.uuid4()),
    )
