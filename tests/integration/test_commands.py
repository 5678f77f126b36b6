"""The command handler against the real store: cached aggregates stay correct across writers."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.types import AddressPersonal, ProfilePersonal
from service.adapters.profile_store import postgres_profile_commands
from service.application.profiles import ProfileCommands
from service.domain import profile as agg
from service.domain.errors import ProfileNotFound

MERCHANT = uuid.uuid4()


def replica(pool: asyncpg.Pool, keyring: Keyring) -> ProfileCommands:
    """A handler with its own cache: one API replica."""
    return postgres_profile_commands(pool, PersonalDataKeys(keyring))


def create(pid: uuid.UUID, first_name: str = "Ada") -> agg.CreateProfile:
    personal = ProfilePersonal(merchant_customer_id=str(pid), first_name=first_name)
    return agg.CreateProfile(
        profile_id=pid,
        merchant_id=MERCHANT,
        payment_token="Ptest",
        status="ACTIVE",
        locale="en_US",
        personal=personal,
    )


def rename(pid: uuid.UUID, first_name: str, locale: str = "en_GB") -> agg.UpdateProfile:
    personal = ProfilePersonal(merchant_customer_id=str(pid), first_name=first_name)
    return agg.UpdateProfile(status=None, locale=locale, personal=personal)


async def test_a_cached_profile_sees_what_another_process_wrote(
    pool: asyncpg.Pool, keyring: Keyring
) -> None:
    a, b = replica(pool, keyring), replica(pool, keyring)
    pid, aid = uuid.uuid4(), uuid.uuid4()
    await a.execute(MERCHANT, pid, create(pid), {})
    address = agg.AddAddress(
        address_id=aid,
        country="CA",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(zip="M5H"),
    )
    await b.execute(MERCHANT, pid, address, {})
    # A decides from its cache plus the tail B appended: the address is there, nothing conflicts.
    outcome = await a.execute(MERCHANT, pid, rename(pid, "Grace"), {})
    assert outcome.version == 3
    assert list(outcome.state.addresses) == [aid]
    assert outcome.state.personal is not None
    assert outcome.state.personal.first_name == "Grace"
    # B deletes; A, still holding the profile in its cache, must refuse what follows.
    await b.execute(MERCHANT, pid, agg.DeleteProfile(), {})
    with pytest.raises(ProfileNotFound):
        await a.execute(MERCHANT, pid, rename(pid, "Grace", "en_US"), {})
    assert (
        await pool.fetchval(
            "SELECT max(stream_version) FROM vault.events WHERE stream_id = $1", f"profile-{pid}"
        )
        == 4
    )


async def test_a_profile_deleted_by_another_replica_leaves_no_data_key_in_this_ones_cache(
    pool: asyncpg.Pool, keyring: Keyring
) -> None:
    a, b = replica(pool, keyring), replica(pool, keyring)
    pid = uuid.uuid4()
    await a.execute(MERCHANT, pid, create(pid), {})
    await a.execute(MERCHANT, pid, rename(pid, "Grace"), {})
    assert a.repository.is_cached(pid)
    await b.execute(MERCHANT, pid, agg.DeleteProfile(), {})
    assert await PersonalDataKeys(keyring).fetch(pool, pid) is None  # shredded in the store
    # A's next command on the profile reads B's deletion in the tail and is refused...
    with pytest.raises(ProfileNotFound):
        await a.execute(MERCHANT, pid, rename(pid, "Lovelace"), {})
    # ...and the entry holding the destroyed key is gone from A's memory.
    assert not a.repository.is_cached(pid)
    assert not b.repository.is_cached(pid)


def add_address(address_id: uuid.UUID, zip_code: str) -> agg.AddAddress:
    return agg.AddAddress(
        address_id=address_id,
        country="CA",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(zip=zip_code),
    )


async def test_a_refusal_on_stale_cached_state_is_decided_again_on_a_fresh_read(
    pool: asyncpg.Pool, keyring: Keyring
) -> None:
    """Several workers each cache profiles: a refusal never comes from what another worker has
    since changed."""
    a, b = replica(pool, keyring), replica(pool, keyring)
    pid, aid = uuid.uuid4(), uuid.uuid4()
    await a.execute(MERCHANT, pid, create(pid), {})
    # B adds an address A's cache has never seen; A removing it must not answer "not found".
    await b.execute(MERCHANT, pid, add_address(aid, "M5H"), {})
    outcome = await a.execute(MERCHANT, pid, agg.RemoveAddress(address_id=aid), {})
    assert outcome.version == 3
    assert aid not in outcome.state.addresses
    # and A's next command, from its refreshed cache, appends right after
    outcome = await a.execute(MERCHANT, pid, add_address(uuid.uuid4(), "1"), {})
    assert outcome.version == 4
