"""Bank accounts and their mandates: the token-service calls around the aggregate's commands, in
the same order of effects as cards (see cards.py and docs/crash-safety.md). A mandate's token dies
with its account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from events.types import AccountType, BankAccountKind, BankAccountPersonal, MandateStatus
from service.application.ports import TokenRefused
from service.application.session import Actor, ApplicationService
from service.domain import commands as c
from service.domain.errors import BankAccountNotFound, DomainError, MandateNotFound
from service.domain.instruments import CLOSED_MANDATE_STATUSES
from service.domain.state import BankAccount, Mandate, Profile

MASKED_DIGITS = 2  # Paysafe shows the last two digits of a bank account


class AccountNumberChanged(DomainError):
    """An update named a different account number: the number of a vaulted account is fixed."""

    def __init__(self, kind: BankAccountKind) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True, kw_only=True)
class BankAccountDetails:
    kind: BankAccountKind
    instrument: dict[str, Any]  # for the token service: number, codes, holder
    account_type: AccountType | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal


class BankAccounts(ApplicationService):
    async def _account(
        self, actor: Actor, profile_id: uuid.UUID, account_id: uuid.UUID, kind: BankAccountKind
    ) -> tuple[Profile, BankAccount]:
        profile = await self.profile(actor, profile_id, BankAccountNotFound(account_id))
        account = profile.bank_accounts.get(account_id)
        if account is None or account.kind != kind:
            raise BankAccountNotFound(account_id)
        return profile, account

    async def _mandate(self, actor: Actor, profile_id: uuid.UUID, mandate_id: uuid.UUID) -> Mandate:
        profile = await self.profile(actor, profile_id, MandateNotFound(mandate_id))
        try:
            return profile.mandates[mandate_id]
        except KeyError:
            raise MandateNotFound(mandate_id) from None

    async def add(
        self, actor: Actor, profile_id: uuid.UUID, details: BankAccountDetails
    ) -> BankAccount:
        await self.profile(actor, profile_id)
        tokenized = await self.tokens.tokenize(actor.merchant_id, details.kind, details.instrument)
        command = c.AddBankAccount(
            bank_account_id=uuid.uuid4(),
            kind=details.kind,
            payment_token=tokenized.token,
            last_digits=(tokenized.last_digits or "")[-MASKED_DIGITS:],
            fingerprint=tokenized.fingerprint or "",
            account_type=details.account_type,
            billing_address_id=details.billing_address_id,
            personal=details.personal,
        )
        outcome = await self.run_with_fresh_token(actor, profile_id, tokenized.token, command)
        return outcome.state.bank_accounts[command.bank_account_id]

    async def update(
        self,
        actor: Actor,
        profile_id: uuid.UUID,
        account_id: uuid.UUID,
        details: BankAccountDetails,
    ) -> BankAccount:
        _, account = await self._account(actor, profile_id, account_id, details.kind)
        try:
            # The number itself cannot change; the token service refuses a different one.
            await self.tokens.update(
                actor.merchant_id, account.payment_token, instrument=details.instrument
            )
        except TokenRefused:
            raise AccountNumberChanged(details.kind) from None
        command = c.UpdateBankAccount(
            bank_account_id=account_id,
            kind=details.kind,
            account_type=details.account_type,
            billing_address_id=details.billing_address_id,
            personal=details.personal,
        )
        outcome = await self.run(actor, profile_id, command)
        return outcome.state.bank_accounts[account_id]

    async def remove(
        self, actor: Actor, profile_id: uuid.UUID, account_id: uuid.UUID, kind: BankAccountKind
    ) -> None:
        """The removal (which removes the mandates with the account), then the tokens of the
        account and its mandates as the removal found them."""
        await self._account(actor, profile_id, account_id, kind)
        outcome = await self.run(
            actor, profile_id, c.RemoveBankAccount(bank_account_id=account_id, kind=kind)
        )
        before = outcome.before
        if before is not None:
            mandates = [
                m.payment_token for m in before.mandates.values() if m.bank_account_id == account_id
            ]
            await self.destroy_tokens(
                actor, [*mandates, before.bank_accounts[account_id].payment_token]
            )

    async def add_mandate(
        self,
        actor: Actor,
        profile_id: uuid.UUID,
        account_id: uuid.UUID,
        kind: BankAccountKind,
        *,
        reference: str,
        status_change_date: str,
    ) -> Mandate:
        _, account = await self._account(actor, profile_id, account_id, kind)
        tokenized = await self.tokens.tokenize(
            actor.merchant_id,
            "mandate",
            {"reference": reference, "bankAccountToken": account.payment_token},
        )
        command = c.AddMandate(
            mandate_id=uuid.uuid4(),
            bank_account_id=account_id,
            kind=kind,
            payment_token=tokenized.token,
            reference=reference,
            status_change_date=status_change_date,
        )
        outcome = await self.run_with_fresh_token(actor, profile_id, tokenized.token, command)
        return outcome.state.mandates[command.mandate_id]

    async def change_mandate_status(
        self,
        actor: Actor,
        profile_id: uuid.UUID,
        mandate_id: uuid.UUID,
        *,
        status: MandateStatus,
        status_change_date: str,
    ) -> Mandate:
        mandate = await self._mandate(actor, profile_id, mandate_id)
        # A closed mandate stops resolving for payments (5502). Closed statuses are terminal (see
        # domain/instruments.py), so the token is deactivated once, before the status is saved: a
        # failure in between leaves an open mandate whose token no longer pays, never the reverse.
        if status in CLOSED_MANDATE_STATUSES and mandate.status not in CLOSED_MANDATE_STATUSES:
            await self.tokens.update(actor.merchant_id, mandate.payment_token, status="CLOSED")
        command = c.ChangeMandateStatus(
            mandate_id=mandate_id, status=status, status_change_date=status_change_date
        )
        outcome = await self.run(actor, profile_id, command)
        return outcome.state.mandates[mandate_id]

    async def remove_mandate(
        self, actor: Actor, profile_id: uuid.UUID, mandate_id: uuid.UUID
    ) -> None:
        await self._mandate(actor, profile_id, mandate_id)
        outcome = await self.run(actor, profile_id, c.RemoveMandate(mandate_id=mandate_id))
        if outcome.before is not None:
            await self.destroy_tokens(actor, [outcome.before.mandates[mandate_id].payment_token])
