"""Profile history and as-of reads over HTTP, and what is left of them after crypto-shredding."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import quote

import asyncpg

from events.codec import EventCodec
from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from service.api.auth import IssuedKey
from tests.support import VaultClient

V1 = "/customervault/v1"
VISA = "4111111111111111"


def at(moment: str, shift_us: int = 0) -> str:
    parsed = dt.datetime.fromisoformat(moment) + dt.timedelta(microseconds=shift_us)
    return quote(parsed.isoformat())


async def history(client: VaultClient, pid: str, query: str = "") -> list[dict[str, object]]:
    reply = await client.request("GET", f"{V1}/profiles/{pid}/history{query}")
    assert reply.status == 200, reply.text
    changes: list[dict[str, object]] = reply.json["changes"]
    return changes


async def test_history_lists_changes_and_as_of_reads_fold_them(
    client: VaultClient, other_client: VaultClient, merchant_key: IssuedKey
) -> None:
    created = await client.request(
        "POST",
        f"{V1}/profiles",
        {"merchantCustomerId": str(uuid.uuid4()), "locale": "en_US", "firstName": "Ann"},
    )
    pid = created.json["id"]
    profile = f"{V1}/profiles/{pid}"
    updated = await client.request(
        "PUT", profile, {"merchantCustomerId": "renamed", "locale": "en_US", "firstName": "Jane"}
    )
    assert updated.status == 200
    address = await client.request("POST", f"{profile}/addresses", {"country": "GB", "zip": "N1"})
    aid = address.json["id"]
    card = await client.request(
        "POST",
        f"{profile}/cards",
        {"cardNum": VISA, "cardExpiry": {"month": 12, "year": 2050}, "billingAddressId": aid},
    )
    cid = card.json["id"]
    account = await client.request(
        "POST",
        f"{profile}/bacsbankaccounts",
        {"accountHolderName": "Jane", "accountNumber": "55779911", "sortCode": "207405",
         "billingAddressId": aid},
    )  # fmt: skip
    bid = account.json["id"]

    changes = await history(client, pid)
    assert [c["eventType"] for c in changes] == [
        "ProfileCreated", "ProfileUpdated", "AddressAdded", "CardAdded", "DefaultCardChanged",
        "BankAccountAdded",
    ]  # fmt: skip
    assert [c["version"] for c in changes] == [1, 2, 3, 4, 5, 6]
    assert {c["keyId"] for c in changes} == {merchant_key.key_id}
    assert changes[0]["requestId"] == created.headers["X-Request-ID"]
    assert "firstName" in changes[1]["fields"] and "merchantCustomerId" in changes[1]["fields"]
    assert {"lastDigits", "cardBin", "cardExpiry"} <= set(changes[3]["fields"])
    assert all("values" not in c for c in changes)
    valued = await history(client, pid, "?includeValues=true")
    assert valued[0]["values"]["firstName"] == "Ann"  # type: ignore[index]
    assert valued[1]["values"]["firstName"] == "Jane"  # type: ignore[index]
    raw = (await client.request("GET", f"{profile}/history?includeValues=true")).text
    assert VISA not in raw and "55779911" not in raw and "fingerprint" not in raw

    # Pages follow the next link to the same list.
    first_page = await client.request("GET", f"{profile}/history?limit=2")
    assert len(first_page.json["changes"]) == 2
    pages, link = list(first_page.json["changes"]), first_page.json["links"][0]
    while link:
        assert link["rel"] == "next"
        page = await client.request("GET", link["href"])
        pages += page.json["changes"]
        link = page.json.get("links", [None])[0]
    assert pages == changes

    moments = [str(c["recordedAt"]) for c in changes]
    before = await client.request("GET", f"{profile}?asOf={at(moments[0], -1)}")
    assert (before.status, before.code) == (404, "5269")
    then = await client.request("GET", f"{profile}?asOf={at(moments[0])}")
    assert then.status == 200 and then.json["firstName"] == "Ann"
    assert then.json["merchantCustomerId"] == created.json["merchantCustomerId"]
    live = await client.request("GET", profile)
    now = await client.request("GET", f"{profile}?asOf={at(moments[-1])}")
    assert now.json == live.json  # the past's renderer is the present's

    no_card_yet = await client.request("GET", f"{profile}/cards/{cid}?asOf={at(moments[2])}")
    assert (no_card_yet.status, no_card_yet.code) == (404, "5269")
    for path in (f"addresses/{aid}", f"cards/{cid}", f"bacsbankaccounts/{bid}"):
        past = await client.request("GET", f"{profile}/{path}?asOf={at(moments[-1])}")
        present = await client.request("GET", f"{profile}/{path}")
        assert (past.status, past.json) == (200, present.json), path
    wrong_kind = await client.request(
        "GET", f"{profile}/sepabankaccounts/{bid}?asOf={at(moments[-1])}"
    )
    assert wrong_kind.status == 404

    for query in ("asOf=yesterday", "asOf=2026-01-01T00:00:00"):
        bad = await client.request("GET", f"{profile}?{query}")
        assert (bad.status, bad.code) == (400, "5068"), query
    for query in ("limit=0", "limit=101", "after=-1", "includeValues=yes"):
        bad = await client.request("GET", f"{profile}/history?{query}")
        assert (bad.status, bad.code) == (400, "5068"), query
    for path in (f"{profile}/history", f"{profile}?asOf={at(moments[-1])}"):
        theirs = await other_client.request("GET", path)
        assert (theirs.status, theirs.code) == (404, "5269")


async def test_after_deletion_nothing_personal_can_be_recovered(
    client: VaultClient, pool: asyncpg.Pool, keyring: Keyring
) -> None:
    secret_name = f"Zelda{uuid.uuid4().hex[:8]}"
    created = await client.request(
        "POST",
        f"{V1}/profiles",
        {"merchantCustomerId": str(uuid.uuid4()), "locale": "en_US", "firstName": secret_name},
    )
    pid = created.json["id"]
    profile = f"{V1}/profiles/{pid}"
    moment = (await history(client, pid))[0]["recordedAt"]
    assert (await client.request("GET", f"{profile}?asOf={at(str(moment))}")).status == 200
    assert (await client.request("DELETE", profile)).status == 200

    for path in (f"{profile}/history?includeValues=true", f"{profile}?asOf={at(str(moment))}"):
        gone = await client.request("GET", path)
        assert (gone.status, gone.code) == (404, "5269"), path
        assert secret_name not in gone.text

    # The raw events: the name is sealed, and its key is gone for good.
    rows = await pool.fetch(
        "SELECT * FROM vault.events WHERE stream_id = $1 ORDER BY stream_version", f"profile-{pid}"
    )
    assert [r["event_type"] for r in rows] == ["ProfileCreated", "ProfileDeleted"]
    assert all(secret_name.encode() not in bytes(r["data"]) for r in rows)
    assert all(secret_name not in str(r["metadata"]) for r in rows)
    async with pool.acquire() as conn:
        assert await PersonalDataKeys(keyring).fetch(conn, uuid.UUID(pid)) is None
    from events.envelope import RecordedEvent

    codec = EventCodec()
    recorded = RecordedEvent(
        global_position=rows[0]["global_position"],
        tx_id=int(str(rows[0]["tx_id"])),
        stream_id=rows[0]["stream_id"],
        stream_version=1,
        event_id=rows[0]["event_id"],
        event_type="ProfileCreated",
        schema_version=rows[0]["schema_version"],
        data=bytes(rows[0]["data"]),
        metadata={},
        recorded_at=rows[0]["recorded_at"],
    )
    shredded = codec.decode(recorded, uuid.UUID(pid), None)
    assert shredded.personal is None  # type: ignore[attr-defined]
