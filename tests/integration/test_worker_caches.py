"""Several workers (or pods) each cache profiles: a command decides on the cached state plus the
stream's tail after it, so a refusal never comes from what another worker has since changed."""

from __future__ import annotations

import uuid

import asyncpg

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.types import AddressPersonal, ProfilePersonal
from service.application.profiles import ProfileCommands
from service.domain import profile as agg

MERCHANT = uuid.uuid4()


async def test_a_refusal_on_stale_cached_state_is_decided_again_on_a_fresh_read(
    pool: asyncpg.Pool, keyring: Keyring
) -> None:
    a = ProfileCommands(pool, PersonalDataKeys(keyring))
    b = ProfileCommands(pool, PersonalDataKeys(keyring))
    pid, aid = uuid.uuid4(), uuid.uuid4()
    personal = ProfilePersonal(merchant_customer_id=str(pid), first_name="Ada")
    await a.execute(
        MERCHANT, pid, agg.CreateProfile(pid, MERCHANT, "Ptest", "ACTIVE", "en_US", personal), {}
    )
    # B adds an address A's cache has never seen; A removing it must not answer "not found".
    await b.execute(MERCHANT, pid, agg.AddAddress(aid, "CA", False, AddressPersonal(zip="M5H")), {})
    outcome = await a.execute(MERCHANT, pid, agg.RemoveAddress(aid), {})
    assert outcome.version == 3
    assert aid not in outcome.state.addresses
    # and A's next command, from its refreshed cache, appends right after
    outcome = await a.execute(
        MERCHANT, pid, agg.AddAddress(uuid.uuid4(), "US", False, AddressPersonal(zip="1")), {}
    )
    assert outcome.version == 4
