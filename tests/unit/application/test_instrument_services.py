"""The token-service rules of the application layer, given/when/then on the in-memory adapters:
what a refusal, an outage or a deletion leaves behind in the vault and in the token service."""

from __future__ import annotations

import uuid

import pytest

from service.application.cards import SingleUseTokenRefused
from service.application.ports import TokenServiceUnavailable
from service.domain import commands as c
from service.domain.errors import (
    BillingAddressNotFound,
    CardAlreadyOnProfile,
    MerchantCustomerIdTaken,
    ProfileNotFound,
)
from tests.unit.application.conftest import OTHER_CARD, Vault, bacs, card, single_use

# --- compensation: a refused append destroys the fresh token ----------------------------------------


async def test_a_duplicate_card_is_refused_and_its_fresh_token_destroyed(vault: Vault) -> None:
    pid = await vault.profile()
    first = await vault.cards.add(vault.actor, pid, card())
    version = vault.stream_length(pid)
    with pytest.raises(CardAlreadyOnProfile) as refused:
        await vault.cards.add(vault.actor, pid, card())
    assert refused.value.existing_card_id == first.card_id
    assert vault.live_tokens() == {first.payment_token}  # the second token was destroyed
    assert len(vault.tokens.records) == 2
    assert vault.stream_length(pid) == version


async def test_a_profile_refused_for_a_taken_customer_id_leaves_no_card_token(
    vault: Vault,
) -> None:
    await vault.profile("customer-1")
    with pytest.raises(MerchantCustomerIdTaken):
        await vault.profile("customer-1", card=card())
    assert len(vault.tokens.records) == 1 and vault.live_tokens() == set()


# --- a token-service outage stores nothing -----------------------------------------------------------


async def test_a_token_service_outage_stores_nothing(vault: Vault) -> None:
    pid = await vault.profile()
    version = vault.stream_length(pid)
    vault.tokens.available = False
    with pytest.raises(TokenServiceUnavailable):
        await vault.cards.add(vault.actor, pid, card())
    with pytest.raises(TokenServiceUnavailable):
        await vault.bank_accounts.add(vault.actor, pid, bacs())
    with pytest.raises(TokenServiceUnavailable):
        await vault.profile(card=card())
    assert vault.stream_length(pid) == version
    assert len(vault.store.data.streams) == 1 and len(vault.store.data.keys) == 1
    assert vault.tokens.records == {}


async def test_a_card_is_removed_first_and_its_token_left_to_reconciliation_in_an_outage(
    vault: Vault,
) -> None:
    # Removal appends first (docs/crash-safety.md): an outage of the token service afterwards
    # leaves an orphan for reconciliation, never a card whose token no longer pays.
    pid = await vault.profile()
    added = await vault.cards.add(vault.actor, pid, card())
    vault.tokens.available = False
    await vault.cards.remove(vault.actor, pid, added.card_id)
    assert added.card_id not in (await vault.live(pid)).cards
    assert not vault.tokens.records[added.payment_token].deleted


# --- single-use tokens -------------------------------------------------------------------------------


async def test_a_single_use_token_vaults_its_card_once(vault: Vault) -> None:
    pid = await vault.profile()
    instrument = {"cardNum": OTHER_CARD, "cardExpiry": {"month": 3, "year": 2051}, "cvv": "123"}
    single = await vault.cards.single_use_token(vault.actor, instrument)
    added = await vault.cards.add(vault.actor, pid, single_use(single.token))
    assert added.single_use_token == single.token and added.payment_token != single.token
    assert (added.card_type, added.last_digits) == ("MC", OTHER_CARD[-4:])
    assert await vault.resolves(added.payment_token)
    other = await vault.profile()
    with pytest.raises(SingleUseTokenRefused):
        await vault.cards.add(vault.actor, other, single_use(single.token))
    assert (await vault.live(other)).cards == {}


async def test_an_unknown_billing_address_is_refused_before_the_single_use_token_is_redeemed(
    vault: Vault,
) -> None:
    pid = await vault.profile()
    instrument = {"cardNum": OTHER_CARD, "cardExpiry": {"month": 3, "year": 2051}}
    single = await vault.cards.single_use_token(vault.actor, instrument)
    with pytest.raises(BillingAddressNotFound):
        await vault.cards.add(
            vault.actor, pid, single_use(single.token, billing_address_id=uuid.uuid4())
        )
    # Not consumed: the customer's token still vaults the card.
    assert await vault.cards.add(vault.actor, pid, single_use(single.token))


async def test_an_unknown_billing_address_is_refused_before_anything_is_tokenized(
    vault: Vault,
) -> None:
    pid = await vault.profile()
    with pytest.raises(BillingAddressNotFound):
        await vault.cards.add(vault.actor, pid, card(billing_address_id=uuid.uuid4()))
    assert vault.tokens.records == {}


# --- billing addresses in the token service ----------------------------------------------------------


async def test_the_token_service_keeps_the_billing_address_in_line_with_the_profile(
    vault: Vault,
) -> None:
    pid = await vault.profile()
    address_id = await vault.address(pid, zip_code="M5H 2N2")
    added = await vault.cards.add(vault.actor, pid, card(billing_address_id=address_id))
    billing = vault.tokens.records[added.payment_token].data["billingAddress"]
    assert billing == {"country": "CA", "zip": "M5H 2N2", "city": "Toronto"}
    await vault.profiles.update_address(
        vault.actor,
        pid,
        c.UpdateAddress(
            address_id=address_id,
            country="US",
            default_shipping_address_indicator=False,
            personal=(await vault.live(pid)).addresses[address_id].personal,  # type: ignore[arg-type]
        ),
    )
    assert vault.tokens.records[added.payment_token].data["billingAddress"]["country"] == "US"
    await vault.profiles.remove_address(vault.actor, pid, address_id)
    assert (await vault.live(pid)).cards[added.card_id].billing_address_id is None
    assert "billingAddress" not in vault.tokens.records[added.payment_token].data


# --- deletion cascades -------------------------------------------------------------------------------


async def test_deleting_a_bank_account_destroys_its_mandates_tokens(vault: Vault) -> None:
    pid = await vault.profile()
    account = await vault.bank_accounts.add(vault.actor, pid, bacs())
    mandates = [
        await vault.bank_accounts.add_mandate(
            vault.actor,
            pid,
            account.bank_account_id,
            "bacs",
            reference=f"REF{i}",
            status_change_date="2026-01-01T00:00:00Z",
        )
        for i in range(2)
    ]
    kept = await vault.bank_accounts.add(vault.actor, pid, bacs("55779911"))
    await vault.bank_accounts.remove(vault.actor, pid, account.bank_account_id, "bacs")
    for token in [account.payment_token, *(m.payment_token for m in mandates)]:
        assert not await vault.resolves(token)
        assert vault.tokens.records[token].deleted
    state = await vault.live(pid)
    assert state.mandates == {} and list(state.bank_accounts) == [kept.bank_account_id]
    assert vault.live_tokens() == {kept.payment_token}


async def test_deleting_a_profile_destroys_its_instruments_tokens_and_data_key(
    vault: Vault,
) -> None:
    pid = await vault.profile(card=card())
    await vault.cards.add(vault.actor, pid, card(OTHER_CARD))
    account = await vault.bank_accounts.add(vault.actor, pid, bacs())
    await vault.bank_accounts.add_mandate(
        vault.actor,
        pid,
        account.bank_account_id,
        "bacs",
        reference="REF",
        status_change_date="2026-01-01T00:00:00Z",
    )
    other = await vault.profile(card=card())  # another profile's token survives
    tokens = (await vault.live(pid)).payment_tokens()
    assert len(tokens) == 4
    await vault.profiles.delete(vault.actor, pid)
    for token in tokens:
        assert not await vault.resolves(token)
    assert vault.live_tokens() == set((await vault.live(other)).payment_tokens())
    assert pid not in vault.store.data.keys and other in vault.store.data.keys
    state = await vault.state(pid)
    assert state is not None and state.deleted and state.personal is None
    assert (state.cards, state.bank_accounts, state.mandates) == ({}, {}, {})
    with pytest.raises(ProfileNotFound):
        await vault.live(pid)


async def test_another_merchant_cannot_touch_a_profile(vault: Vault) -> None:
    pid = await vault.profile(card=card())
    stranger = type(vault.actor)(merchant_id=uuid.uuid4())
    with pytest.raises(ProfileNotFound):
        await vault.profiles.delete(stranger, pid)
    with pytest.raises(ProfileNotFound):
        await vault.cards.add(stranger, pid, card(OTHER_CARD))
    assert len(vault.live_tokens()) == 1
