"""Several workers (or pods) each cache profiles: a command decides on the cached state plus the
stream's tail after it, so a refusal never comes from what another worker has since changed."""

from __future__ import annotations

import uuid

import asyncpg

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.types import AddressPersonal, ProfilePersonal
from service.adapters.profile_store import postgres_profile_commands
from service.domain import profile as agg

MERCHANT = uuid.uuid4()


def new_address(address_id: uuid.UUID, country: str, zip_code: str) -> agg.AddAddress:
    return agg.AddAddress(
        address_id=address_id,
        country=country,
        default_shipping_address_indicator=False,
        personal=AddressPersonal(zip=zip_code),
    )


async def test_a_refusal_on_stale_cached_state_is_decided_again_on_a_fresh_read(
    pool: asyncpg.Pool, keyring: Keyring
) -> None:
    a = postgres_profile_commands(pool, PersonalDataKeys(keyring))
    b = postgres_profile_commands(pool, PersonalDataKeys(keyring))
    pid, aid = uuid.uuid4(), uuid.uuid4()
    personal = ProfilePersonal(merchant_customer_id=str(pid), first_name="Ada")
    await a.execute(
        MERCHANT,
        pid,
        agg.CreateProfile(
            profile_id=pid,
            merchant_id=MERCHANT,
            payment_token="Ptest",
            status="ACTIVE",
            locale="en_US",
            personal=personal,
        ),
        {},
    )
    # B adds an address A's cache has never seen; A removing it must not answer "not found".
    await b.execute(MERCHANT, pid, new_address(aid, "CA", "M5H"), {})
    outcome = await a.execute(MERCHANT, pid, agg.RemoveAddress(address_id=aid), {})
    assert outcome.version == 3
    assert aid not in outcome.state.addresses
    # and A's next command, from its refreshed cache, appends right after
    outcome = await a.execute(MERCHANT, pid, new_address(uuid.uuid4(), "US", "1"), {})
    assert outcome.version == 4
