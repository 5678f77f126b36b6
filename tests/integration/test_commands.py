"""The command handler against the real store: cached aggregates stay correct across writers."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.types import AddressPersonal, ProfilePersonal
from service.application.profiles import ProfileCommands
from service.domain import profile as agg
from service.domain.errors import ProfileNotFound

MERCHANT = uuid.uuid4()


async def test_a_cached_profile_sees_what_another_process_wrote(
    pool: asyncpg.Pool, keyring: Keyring
) -> None:
    # Two handlers with their own caches stand for two API replicas.
    a = ProfileCommands(pool, PersonalDataKeys(keyring))
    b = ProfileCommands(pool, PersonalDataKeys(keyring))
    pid, aid = uuid.uuid4(), uuid.uuid4()
    personal = ProfilePersonal(merchant_customer_id=str(pid), first_name="Ada")
    create = agg.CreateProfile(pid, MERCHANT, "Ptest", "ACTIVE", "en_US", personal)
    await a.execute(MERCHANT, pid, create, {})
    await b.execute(MERCHANT, pid, agg.AddAddress(aid, "CA", False, AddressPersonal(zip="M5H")), {})
    # A decides from its cache plus the tail B appended: the address is there, nothing conflicts.
    renamed = ProfilePersonal(merchant_customer_id=str(pid), first_name="Grace")
    outcome = await a.execute(MERCHANT, pid, agg.UpdateProfile(None, "en_GB", renamed), {})
    assert outcome.version == 3
    assert list(outcome.state.addresses) == [aid]
    assert outcome.state.personal.first_name == "Grace"
    # B deletes; A, still holding the profile in its cache, must refuse what follows.
    await b.execute(MERCHANT, pid, agg.DeleteProfile(), {})
    with pytest.raises(ProfileNotFound):
        await a.execute(MERCHANT, pid, agg.UpdateProfile(None, "en_US", renamed), {})
    assert (
        await pool.fetchval(
            "SELECT max(stream_version) FROM vault.events WHERE stream_id = $1", f"profile-{pid}"
        )
        == 4
    )
