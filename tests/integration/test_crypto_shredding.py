"""Deleting a profile destroys its data key: the personal data in its stored events and in its
Kafka records can no longer be decrypted, while the events themselves remain."""

from __future__ import annotations

import base64
import uuid

import asyncpg
import msgspec
import pytest

from events.codec import EventCodec
from events.crypto import DecryptionFailed, Keyring, open_sealed
from events.envelope import KafkaEnvelope
from events.personal_keys import PersonalDataKeys
from events.store import PostgresEventStore
from service.settings import Settings
from tests.support import VaultClient, read_topic, wait_until

SECRETS = ["Zebedee", "Quarterman", "zebedee.q@example.org", "+44 20 7946 0958", "221B Baker St"]


def sealed_blobs(payload: bytes) -> list[bytes]:
    data = msgspec.json.decode(payload)
    personal = data.get("personal")
    return [base64.b64decode(personal["ct"])] if personal else []


async def test_delete_shreds_personal_data_in_events_and_kafka(
    client: VaultClient,
    pool: asyncpg.Pool,
    keyring: Keyring,
    settings: Settings,
    topic: str,
    start_relay,
) -> None:
    await start_relay(topic, from_now=True)
    profile = await client.create_profile(
        firstName=SECRETS[0],
        lastName=SECRETS[1],
        email=SECRETS[2],
        phone=SECRETS[3],
        dateOfBirth={"year": 1970, "month": 1, "day": 2},
    )
    pid = uuid.UUID(profile["id"])
    await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/addresses",
        {"country": "GB", "zip": "NW1 6XE", "street": SECRETS[4]},
    )
    keys = PersonalDataKeys(keyring)
    data_key = await keys.fetch(pool, pid)
    assert data_key is not None
    store = PostgresEventStore()
    stream = f"profile-{pid}"

    # Before: the plaintext is nowhere in storage, but the sealed payload opens with the key.
    before = await store.read_stream(pool, stream)
    assert len(before) == 2
    for recorded in before:
        assert not any(s.encode() in recorded.data for s in SECRETS)
    decoded = EventCodec().decode(before[0], pid, data_key)
    assert decoded.personal.first_name == SECRETS[0]

    await client.request("DELETE", f"/customervault/v1/profiles/{pid}")

    async def relayed() -> bool:
        return (
            sum(
                r.key == str(pid).encode()
                for r in await read_topic(settings.kafka_bootstrap_servers, topic)
            )
            == 3
        )

    await wait_until(relayed)

    # After: the events remain, the key is gone, and decoding yields no personal data.
    after = await store.read_stream(pool, stream)
    assert [e.event_type for e in after] == ["ProfileCreated", "AddressAdded", "ProfileDeleted"]
    assert [e.data for e in after[:2]] == [e.data for e in before]
    assert await keys.fetch(pool, pid) is None
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM vault.personal_data_keys WHERE subject_id = $1", pid
        )
        == 0
    )
    codec = EventCodec()
    assert [codec.decode(e, pid, None).personal for e in after[:2]] == [None, None]

    records = [
        r
        for r in await read_topic(settings.kafka_bootstrap_servers, topic)
        if r.key == str(pid).encode()
    ]
    blobs = []
    for record in records:
        assert not any(s.encode() in record.value for s in SECRETS)
        envelope = msgspec.json.decode(record.value, type=KafkaEnvelope)
        blobs.extend(sealed_blobs(bytes(envelope.data)))
    assert len(blobs) == 2
    # Nothing that remains can open them: no key row, and no other subject's key either.
    other = await client.create_profile()
    other_key = await keys.fetch(pool, uuid.UUID(other["id"]))
    for blob in blobs:
        with pytest.raises(DecryptionFailed):
            open_sealed(other_key, blob, f"{pid}|ProfileCreated".encode())
    # The views forgot the profile too.
    assert (
        await pool.fetchval("SELECT count(*) FROM vault.profile_view WHERE profile_id = $1", pid)
        == 0
    )
    assert (
        await pool.fetchval("SELECT count(*) FROM vault.address_view WHERE profile_id = $1", pid)
        == 0
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM vault.merchant_customer_ids WHERE profile_id = $1", pid
        )
        == 0
    )
