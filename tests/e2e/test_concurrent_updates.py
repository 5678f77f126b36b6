"""50 concurrent updates of one profile through two API instances: none is lost.

Two instances (each with its own pool and its own in-process per-profile lock) make the writers
really race on the event store's version check, so the optimistic retry path is exercised too.
"""

from __future__ import annotations

import asyncio

import asyncpg
from prometheus_client import REGISTRY

from events.codec import EventCodec
from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.store import PostgresEventStore
from events.types import Event, ProfileUpdated
from projections.runners.decoding import EventDecoder
from service.api.app import create_app
from service.settings import Settings
from tests.conftest import serve
from tests.support import VaultClient, stream_version

UPDATES = 50


def _conflicts() -> float:
    return REGISTRY.get_sample_value("vault_append_conflicts_total") or 0.0


async def last_event(pool: asyncpg.Pool, keyring: Keyring, profile_id: str) -> Event:
    """The stream's highest version, decrypted independently of the API and its views."""
    recorded = await PostgresEventStore().read_stream(pool, f"profile-{profile_id}")
    async with pool.acquire() as conn:
        decoded = await EventDecoder(EventCodec(), PersonalDataKeys(keyring)).decode(
            conn, recorded[-1:]
        )
    return decoded[0][0]


async def test_fifty_concurrent_updates_of_one_profile(
    client: VaultClient, settings: Settings, keyring: Keyring, pool: asyncpg.Pool
) -> None:
    profile = await client.create_profile()
    pid, customer_id = profile["id"], profile["merchantCustomerId"]
    runner, second_url = await serve(create_app(settings, keyring))
    conflicts_before = _conflicts()
    try:
        async with VaultClient(second_url, client.key) as second:

            async def update(i: int) -> tuple[int, str | None, str]:
                target = client if i % 2 else second
                reply = await target.request(
                    "PUT",
                    f"/customervault/v1/profiles/{pid}",
                    {"merchantCustomerId": customer_id, "locale": "en_US", "firstName": f"n{i}"},
                )
                return reply.status, reply.code, reply.text

            results = await asyncio.gather(*(update(i) for i in range(UPDATES)))
    finally:
        await runner.cleanup()

    successes = [r for r in results if r[0] == 200]
    failures = [r for r in results if r[0] != 200]
    # The only acceptable failure is the documented concurrent-modification answer.
    assert all((status, code) == (409, "7599") for status, code, _ in failures), failures
    assert len(successes) >= UPDATES // 2
    # Every success is exactly one event: created (1) + one per successful update.
    assert await stream_version(pool, pid) == 1 + len(successes)
    # The view shows the last committed update (by stream version), not merely one of those sent.
    final = await client.request("GET", f"/customervault/v1/profiles/{pid}")
    last = await last_event(pool, keyring, pid)
    assert isinstance(last, ProfileUpdated) and last.personal is not None
    assert final.json["firstName"] == last.personal.first_name
    assert final.json["firstName"] in {f"n{i}" for i in range(UPDATES)}
    # The two instances did collide, so the retry path ran.
    assert _conflicts() > conflicts_before


async def test_concurrent_creates_with_one_customer_id_make_one_profile(
    client: VaultClient, pool: asyncpg.Pool
) -> None:
    body = {"merchantCustomerId": "same-for-all", "locale": "en_US"}
    replies = await asyncio.gather(
        *(client.request("POST", "/customervault/v1/profiles", body) for _ in range(10))
    )
    assert sorted(r.status for r in replies) == [201] + [409] * 9
    winner = next(r.json["id"] for r in replies if r.status == 201)
    for loser in (r for r in replies if r.status == 409):
        assert loser.code == "7505"
        assert loser.json["links"][0]["href"].endswith(winner)
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM vault.profile_view WHERE merchant_id = $1",
            client.key.merchant_id,
        )
        == 1
    )
