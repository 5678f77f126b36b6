"""``vault rebuild VIEW`` produces a view equal to the live one, row for row."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

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
        "SELECT * FROM vault.card_view ORDER BY card_id",
        "SELECT * FROM vault.bank_account_view ORDER BY bank_account_id",
        "SELECT * FROM vault.mandate_view ORDER BY mandate_id",
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
        await add_instruments(client, pid, a1["id"], i)
        if i % 2:  # removing a billing address unlinks it from the cards and the account
            await client.request("DELETE", f"{base}/{a1['id']}")
        await client.request(
            "PUT",
            f"/customervault/v1/profiles/{pid}",
            {"merchantCustomerId": p["merchantCustomerId"], "locale": "en_GB", "lastName": f"L{i}"},
        )
    await client.request("DELETE", f"/customervault/v1/profiles/{ids[0]}")
    return ids


CARDS = ["4111111111111111", "5200400000000009", "378282246310005"]


async def add_instruments(client: VaultClient, pid: str, address_id: str, i: int) -> None:
    """Cards (a default that moves, one removed), a billing address later removed, a bank account
    with a mandate whose status changes: every instrument row operation the view has."""
    base = f"/customervault/v1/profiles/{pid}"
    expiry = {"month": 1 + i, "year": 2030}
    first = await client.request(
        "POST",
        f"{base}/cards",
        {"cardNum": CARDS[0], "cardExpiry": expiry, "billingAddressId": address_id},
    )
    second = await client.request(
        "POST",
        f"{base}/cards",
        {"cardNum": CARDS[1], "cardExpiry": expiry, "defaultCardIndicator": True},
    )
    assert first.status == second.status == 201, (first.text, second.text)
    await client.request(
        "PUT",
        f"{base}/cards/{first.json['id']}",
        {"cardExpiry": expiry, "nickName": "n", "billingAddressId": address_id},
    )
    if i % 3 == 0:
        await client.request("DELETE", f"{base}/cards/{second.json['id']}")
    account = await client.request(
        "POST",
        f"{base}/bacsbankaccounts",
        {
            "accountNumber": f"{55770000 + i}",
            "sortCode": "207405",
            "accountHolderName": "H",
            "billingAddressId": address_id,
        },
    )
    assert account.status == 201, account.text
    mandate = await client.request(
        "POST", f"{base}/bacsbankaccounts/{account.json['id']}/mandates", {"reference": f"R{i}"}
    )
    await client.request("PUT", f"{base}/mandates/{mandate.json['id']}", {"status": "ACTIVE"})


def run_rebuild(owner_env: dict[str, str], view: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "service", "rebuild", view],
        env=owner_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


async def test_rebuilt_profile_view_equals_the_live_one(
    client: VaultClient, pool: asyncpg.Pool, owner_env: dict[str, str]
) -> None:
    await make_history(client)
    live = await snapshot(pool, "profile-view")
    assert all(len(rows) >= 5 for rows in live), [len(rows) for rows in live]
    result = run_rebuild(owner_env, "profile-view")
    events = await pool.fetchval("SELECT count(*) FROM vault.events")
    assert f"rebuilt profile-view from {events} events" in result.stdout
    assert "rebuilding profile-view" in result.stderr  # the progress bar
    assert await snapshot(pool, "profile-view") == live


async def test_rebuilt_customer_search_equals_the_live_one(
    client: VaultClient,
    pool: asyncpg.Pool,
    owner_env: dict[str, str],
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
    run_rebuild(owner_env, "customer-search")
    assert await snapshot(pool, "customer-search") == live


async def test_online_rebuild_serves_every_request_and_keeps_every_write(
    client: VaultClient, pool: asyncpg.Pool, owner_env: dict[str, str]
) -> None:
    """Reads and writes run against the API during the whole rebuild: none fails or waits for
    long, and the swapped-in view holds what was written meanwhile, equal row for row to a quiet
    rebuild of the same events (which equals the inline view: the first test)."""
    ids = await make_history(client)
    for i in range(120):  # enough history that the build takes a while
        await client.create_profile(firstName=f"B{i}", email=f"b{i}@example.com")
    statuses: list[int] = []
    slowest = 0.0
    written: list[str] = []
    rebuild = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "rebuild", "profile-view",
        env=owner_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    done = asyncio.ensure_future(rebuild.communicate())
    i = 0
    while not done.done():
        pid = ids[1 + i % (len(ids) - 1)]
        started = time.perf_counter()
        got = await client.request("GET", f"/customervault/v1/profiles/{pid}?fields=addresses")
        statuses.append(got.status)
        zip_code = f"Z{i}"
        added = await client.request(
            "POST",
            f"/customervault/v1/profiles/{pid}/addresses",
            {"country": "US", "zip": zip_code},
        )
        statuses.append(added.status)
        if added.status == 201:
            written.append(added.json["id"])
        slowest = max(slowest, time.perf_counter() - started)
        i += 1
    out, err = await done
    assert rebuild.returncode == 0, err.decode()
    assert "locked for" in out.decode()
    assert i >= 2, "the rebuild ended before the traffic could overlap it"
    assert set(statuses) <= {200, 201}, statuses
    assert slowest < 10, slowest
    in_view = {
        str(r["address_id"]) for r in await pool.fetch("SELECT address_id FROM vault.address_view")
    }
    assert set(written) <= in_view  # the catch-up and the swap kept every write
    online = await snapshot(pool, "profile-view")
    run_rebuild(owner_env, "profile-view")
    assert await snapshot(pool, "profile-view") == online
