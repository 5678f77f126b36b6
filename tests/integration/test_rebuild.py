"""``vault rebuild VIEW`` produces a view equal to the live one, row for row."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import asyncpg

from projections.customer_search import CUSTOMER_SEARCH
from tests.processes import vault_cli
from tests.support import VaultClient, snapshot, wait_until


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


async def run_rebuild(owner_env: dict[str, str], view: str) -> tuple[str, str]:
    """`vault rebuild VIEW` (as the owner, as production runs it): (stdout, stderr)."""
    code, out, err = await vault_cli(owner_env, "rebuild", view)
    assert code == 0, err
    return out, err


async def test_rebuilt_profile_view_equals_the_live_one(
    client: VaultClient, pool: asyncpg.Pool, owner_env: dict[str, str]
) -> None:
    await make_history(client)
    live = await snapshot(pool, "profile-view")
    assert all(len(rows) >= 5 for rows in live), [len(rows) for rows in live]
    out, err = await run_rebuild(owner_env, "profile-view")
    events = await pool.fetchval("SELECT count(*) FROM vault.events")
    assert f"rebuilt profile-view from {events} events" in out
    assert "rebuilding profile-view" in err  # the progress bar
    assert await snapshot(pool, "profile-view") == live
    # The live view is built by the same projection functions, so equality alone would pass a
    # projection bug twice: the rebuilt rows also hold what the history above says they must.
    assert client.key is not None
    assert await view_facts(pool, client.key.merchant_id) == expected_facts()


def expected_facts() -> list[tuple]:
    """What make_history leaves, worked out from the requests it sends (not from any projection):
    profiles 1-5 (0 was deleted); an odd profile lost its first address, which unlinked it from
    the first card and the bank account; every third removed its second card."""
    facts = []
    for i in range(1, 6):
        addresses = [("US", "10014")] if i % 2 else [("GB", "SW1A"), ("US", "10014")]
        cards = [("0009", False)] if i % 3 else []
        cards = sorted([("1111", not i % 2), *cards])
        # The profile PUT replaces the resource: the first name it did not repeat is gone.
        facts.append((None, f"L{i}", "en_GB", addresses, cards, [not i % 2], ["ACTIVE"]))
    return facts


async def view_facts(pool: asyncpg.Pool, merchant_id: object) -> list[tuple]:
    """The same facts read from the views, in make_history's order of profiles."""
    facts = []
    profiles = await pool.fetch(
        "SELECT profile_id, document FROM vault.profile_view WHERE merchant_id = $1 "
        "ORDER BY document->>'lastName'",
        merchant_id,
    )
    for row in profiles:
        profile = json.loads(row["document"])
        pid = row["profile_id"]
        addresses = await pool.fetch(
            "SELECT document->>'country' AS country, document->>'zip' AS zip "
            "FROM vault.address_view WHERE profile_id = $1 ORDER BY 1, 2",
            pid,
        )
        cards = await pool.fetch(
            "SELECT document->>'lastDigits' AS last, document ? 'billingAddressId' AS linked "
            "FROM vault.card_view WHERE profile_id = $1 ORDER BY 1",
            pid,
        )
        accounts = await pool.fetch(
            "SELECT document ? 'billingAddressId' AS linked FROM vault.bank_account_view "
            "WHERE profile_id = $1",
            pid,
        )
        mandates = await pool.fetch(
            "SELECT document->>'status' AS status FROM vault.mandate_view WHERE profile_id = $1",
            pid,
        )
        facts.append(
            (
                profile.get("firstName"),
                profile.get("lastName"),
                profile.get("locale"),
                [(a["country"], a["zip"]) for a in addresses],
                [(c["last"], c["linked"]) for c in cards],
                [a["linked"] for a in accounts],
                [m["status"] for m in mandates],
            )
        )
    return facts


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
        # Every stream, not only this test's last one: the topic's partitions are consumed
        # independently, so one profile being applied says nothing of another partition's.
        behind = await pool.fetchval(
            "SELECT count(*) FROM (SELECT stream_id, max(stream_version) AS version"
            " FROM vault.events WHERE event_type = any($1::text[]) GROUP BY stream_id) AS e"
            " LEFT JOIN vault.projection_positions AS p"
            " ON p.projection = 'customer-search' AND p.stream_id = e.stream_id"
            " WHERE coalesce(p.stream_version, 0) < e.version",
            sorted(CUSTOMER_SEARCH.handles or ()),
        )
        first_gone = await pool.fetchval(
            "SELECT count(*) FROM vault.customer_search WHERE profile_id::text = $1", ids[0]
        )
        return behind == 0 and first_gone == 0

    await wait_until(caught_up, timeout=120)  # the whole store, through Kafka
    # The live view holds exactly what the projector built from Kafka for every profile relayed.
    live = await snapshot(pool, "customer-search")
    await run_rebuild(owner_env, "customer-search")
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
    await run_rebuild(owner_env, "profile-view")
    assert await snapshot(pool, "profile-view") == online
