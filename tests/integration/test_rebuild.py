"""``vault rebuild VIEW`` produces a view equal to the live one, row for row."""

from __future__ import annotations

import subprocess
import sys

import asyncpg

from projections.customer_search import CUSTOMER_SEARCH
from tests.integration.conftest import wait_until
from tests.support import VaultClient

SNAPSHOTS = {
    "profile-view": [
        "SELECT profile_id, merchant_id, merchant_customer_id, payment_token, stream_version, "
        "document, updated_at FROM vault.profile_view ORDER BY profile_id",
        "SELECT address_id, profile_id, merchant_id, position, document "
        "FROM vault.address_view ORDER BY address_id",
    ],
    "customer-search": [
        "SELECT profile_id, merchant_id, merchant_customer_id, email, full_name, phone_digits, "
        "document, updated_at FROM vault.customer_search ORDER BY profile_id"
    ],
}


async def snapshot(pool: asyncpg.Pool, view: str) -> list[list[tuple]]:
    return [[tuple(r) for r in await pool.fetch(q)] for q in SNAPSHOTS[view]]


async def make_history(client: VaultClient) -> list[str]:
    """Profiles with updates, addresses added, changed and removed, and a deleted profile."""
    ids = []
    for i in range(6):
        p = await client.create_profile(
            firstName=f"F{i}", email=f"p{i}@example.com", phone="555 0100"
        )
        pid = p["id"]
        ids.append(pid)
        base = f"/customervault/v1/profiles/{pid}/addresses"
        a1 = (
            await client.request("POST", base, {"country": "CA", "zip": f"M5H {i}", "city": "T"})
        ).json
        await client.request("POST", base, {"country": "US", "zip": "10014"})
        await client.request("PUT", f"{base}/{a1['id']}", {"country": "GB", "zip": "SW1A"})
        if i % 2:
            await client.request("DELETE", f"{base}/{a1['id']}")
        await client.request(
            "PUT",
            f"/customervault/v1/profiles/{pid}",
            {"merchantCustomerId": p["merchantCustomerId"], "locale": "en_GB", "lastName": f"L{i}"},
        )
    await client.request("DELETE", f"/customervault/v1/profiles/{ids[0]}")
    return ids


def run_rebuild(process_env: dict[str, str], view: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "service", "rebuild", view],
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


async def test_rebuilt_profile_view_equals_the_live_one(
    client: VaultClient, pool: asyncpg.Pool, process_env: dict[str, str]
) -> None:
    await make_history(client)
    live = await snapshot(pool, "profile-view")
    assert len(live[0]) >= 5 and len(live[1]) >= 5
    result = run_rebuild(process_env, "profile-view")
    events = await pool.fetchval("SELECT count(*) FROM vault.events")
    assert f"rebuilt profile-view from {events} events" in result.stdout
    assert "rebuilding profile-view" in result.stderr  # the progress bar
    assert await snapshot(pool, "profile-view") == live


async def test_rebuilt_customer_search_equals_the_live_one(
    client: VaultClient,
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    topic: str,
    start_relay,
    start_projector,
) -> None:
    ids = await make_history(client)
    await start_relay(topic)  # the whole history: the live view must hold every profile
    start_projector(topic, CUSTOMER_SEARCH)

    async def caught_up() -> bool:
        last = await pool.fetchval(
            "SELECT stream_version FROM vault.projection_positions "
            "WHERE projection = 'customer-search' AND stream_id = $1",
            f"profile-{ids[-1]}",
        )
        first_gone = await pool.fetchval(
            "SELECT count(*) FROM vault.customer_search WHERE profile_id::text = $1", ids[0]
        )
        expected = await pool.fetchval(
            "SELECT max(stream_version) FROM vault.events WHERE stream_id = $1",
            f"profile-{ids[-1]}",
        )
        return last == expected and first_gone == 0

    await wait_until(caught_up)
    # The live view holds exactly what the projector built from Kafka for every profile relayed.
    live = await snapshot(pool, "customer-search")
    run_rebuild(process_env, "customer-search")
    assert await snapshot(pool, "customer-search") == live
