"""The order of effects between the token service and the event store (docs/crash-safety.md):
appends within the tokenize deadline, removals before their tokens' destruction."""

from __future__ import annotations

import uuid

import pytest

from service.application.bank_accounts import BankAccounts
from service.application.cards import Cards
from service.application.lifecycle import Profiles
from service.application.profiles import AppendDeadlinePassed
from tests.unit.application.conftest import Vault, bacs, card, create_profile


def _late(vault: Vault) -> Vault:
    """The same vault whose services find every append past the deadline (a negative deadline
    stands for a request that waited longer than it between tokenize and append)."""
    cards = Cards(vault.commands, vault.tokens, tokenize_deadline_seconds=-1)
    return Vault(
        store=vault.store,
        tokens=vault.tokens,
        commands=vault.commands,
        cards=cards,
        profiles=Profiles(cards),
        bank_accounts=BankAccounts(vault.commands, vault.tokens, tokenize_deadline_seconds=-1),
        actor=vault.actor,
    )


async def test_an_append_past_the_deadline_is_refused_and_its_token_destroyed(
    vault: Vault,
) -> None:
    pid = await vault.profile()
    before = vault.live_tokens()
    version = vault.stream_length(pid)
    late = _late(vault)
    with pytest.raises(AppendDeadlinePassed):
        await late.cards.add(vault.actor, pid, card())
    with pytest.raises(AppendDeadlinePassed):
        await late.bank_accounts.add(vault.actor, pid, bacs())
    with pytest.raises(AppendDeadlinePassed):
        command = create_profile(uuid.uuid4(), "late-customer", vault.actor.merchant_id)
        await late.profiles.create(vault.actor, command, card=card("4111111111111111"))
    assert vault.stream_length(pid) == version
    assert vault.live_tokens() == before
    # Tokens were made and then destroyed, not never made.
    assert len(vault.tokens.records) == len(before) + 3


async def test_within_the_deadline_the_append_keeps_the_token(vault: Vault) -> None:
    pid = await vault.profile()
    added = await vault.cards.add(vault.actor, pid, card())
    assert added.payment_token in vault.live_tokens()


async def test_an_append_whose_outcome_is_unknown_leaves_its_token_to_reconciliation(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lost connection during COMMIT may hide a committed append: destroying the token then
    # could leave a card whose token is gone, so it is left live for reconciliation to judge.
    pid = await vault.profile()

    def lost(*_: object) -> None:
        raise ConnectionResetError("connection lost during COMMIT")

    monkeypatch.setattr(vault.store, "transaction", lost)
    before = vault.live_tokens()
    with pytest.raises(ConnectionResetError):
        await vault.cards.add(vault.actor, pid, card())
    assert len(vault.live_tokens()) == len(before) + 1


async def test_a_removal_is_appended_before_its_tokens_are_destroyed(vault: Vault) -> None:
    pid = await vault.profile()
    account = await vault.bank_accounts.add(vault.actor, pid, bacs())
    mandate = await vault.bank_accounts.add_mandate(
        vault.actor, pid, account.bank_account_id, "bacs",
        reference="MANDATE-1", status_change_date="2026-01-01",
    )  # fmt: skip
    destroyed_while_referenced: list[str] = []
    delete = vault.tokens.delete

    async def checking_delete(merchant_id: uuid.UUID, token: str) -> None:
        live = await vault.live(pid)
        held = [m.payment_token for m in live.mandates.values()]
        held += [b.payment_token for b in live.bank_accounts.values()]
        if token in held:
            destroyed_while_referenced.append(token)
        await delete(merchant_id, token)

    vault.tokens.delete = checking_delete  # type: ignore[method-assign]
    await vault.bank_accounts.remove(vault.actor, pid, account.bank_account_id, "bacs")
    assert destroyed_while_referenced == []
    assert {account.payment_token, mandate.payment_token}.isdisjoint(vault.live_tokens())
