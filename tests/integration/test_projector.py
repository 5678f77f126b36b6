"""The projector applies each event once, whatever Kafka delivers, and serves customer search."""

from __future__ import annotations

import uuid

import asyncpg
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY

from events.relay import kafka_record
from events.store import PostgresEventStore
from projections.customer_search import CUSTOMER_SEARCH
from projections.rows import Projection
from projections.runners.decoding import EventDecoder
from projections.runners.projector import apply_batch, recorded_from_kafka
from service.settings import Settings
from tests.support import VaultClient, read_topic, wait_until


async def search_row(pool: asyncpg.Pool, profile_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT email, full_name, phone_digits FROM vault.customer_search WHERE profile_id = $1",
        uuid.UUID(profile_id),
    )


async def test_duplicates_are_applied_once(
    client: VaultClient,
    settings: Settings,
    pool: asyncpg.Pool,
    topic: str,
    start_projector,
    decoder: EventDecoder,
) -> None:
    # A profile whose history would end wrong if an old event were applied again.
    profile = await client.create_profile(email="First@Example.com", firstName="Ada")
    pid, customer_id = profile["id"], profile["merchantCustomerId"]
    for name in ("Grace", "Edsger"):
        await client.request(
            "PUT",
            f"/customervault/v1/profiles/{pid}",
            {
                "merchantCustomerId": customer_id,
                "locale": "en_US",
                "firstName": name,
                "email": f"{name}@example.com",
            },
        )
    # Publish the stored history as the relay encodes it, three times over: the original delivery
    # and two replays, as a relay restarting after crashes would send them.
    history = await PostgresEventStore().read_stream(pool, f"profile-{pid}")
    assert len(history) == 3
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for _ in range(3):
            for event in history:
                key, value, headers = kafka_record(event)
                await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()
    ours = await read_topic(settings.kafka_bootstrap_servers, topic)
    assert len(ours) == 9

    # Apply in a projection of its own, so the count is not shared with other tests.
    counted = Projection("dedupe-test", CUSTOMER_SEARCH.project, CUSTOMER_SEARCH.tables)
    skipped_before = (
        REGISTRY.get_sample_value(
            "vault_projection_events_skipped_total", {"projection": counted.name}
        )
        or 0.0
    )
    start_projector(topic, counted)

    async def all_consumed() -> bool:
        skipped = REGISTRY.get_sample_value(
            "vault_projection_events_skipped_total", {"projection": counted.name}
        )
        return (skipped or 0.0) - skipped_before >= 6

    await wait_until(all_consumed)
    applied = REGISTRY.get_sample_value(
        "vault_projection_events_applied_total", {"projection": counted.name}
    )
    assert applied == 3
    row = await search_row(pool, pid)
    assert row["email"] == "edsger@example.com"
    assert row["full_name"] == "edsger"
    position = await pool.fetchval(
        "SELECT stream_version FROM vault.projection_positions "
        "WHERE projection = $1 AND stream_id = $2",
        counted.name,
        f"profile-{pid}",
    )
    assert position == 3

    # The same batch delivered directly, duplicates inside one batch included: nothing applies.
    batch = [recorded_from_kafka(r) for r in ours[:3] + ours[:3]]
    result = await apply_batch(pool, counted, decoder, batch)
    assert (result.applied, result.skipped) == (0, 6)


async def test_customer_search_finds_by_email_name_and_phone(
    client: VaultClient,
    other_client: VaultClient,
    topic: str,
    start_relay,
    start_projector,
    pool: asyncpg.Pool,
) -> None:
    await start_relay(topic, from_now=True)
    unique = uuid.uuid4().hex[:8]
    alice = await client.create_profile(
        firstName="Alice",
        lastName=f"Liddell{unique}",
        email=f"Alice.{unique}@Example.com",
        phone="+1 (416) 555-0100",
    )
    bob = await client.create_profile(firstName="Bob", lastName=f"Liddell{unique}")
    gone = await client.create_profile(firstName="Gone", lastName=f"Liddell{unique}")
    await client.request("DELETE", f"/customervault/v1/profiles/{gone['id']}")
    start_projector(topic, CUSTOMER_SEARCH)

    async def indexed() -> bool:
        return await search_row(pool, bob["id"]) is not None and (
            await search_row(pool, gone["id"]) is None
        )

    await wait_until(indexed)

    async def ids(query: str, who: VaultClient = client) -> list[str]:
        reply = await who.request("GET", f"/customervault/v1/customersearch?{query}")
        assert reply.status == 200, reply.text
        return sorted(p["id"] for p in reply.json["profiles"])

    assert await ids(f"email=alice.{unique}@example.com") == [alice["id"]]
    assert await ids(f"name=liddell{unique}") == sorted([alice["id"], bob["id"]])
    assert await ids(f"name=ALICE%20liddell{unique}") == [alice["id"]]
    assert await ids("phone=4165550100") == [alice["id"]]
    assert await ids("phone=%2B1-416-555-0100") == [alice["id"]]
    assert await ids(f"name=%25{unique}") == []  # LIKE wildcards are literal
    assert await ids(f"name=liddell{unique}", other_client) == []  # merchant-scoped
    hit = (await client.request("GET", "/customervault/v1/customersearch?phone=4165550100")).json
    assert hit["profiles"][0]["email"] == f"Alice.{unique}@Example.com"
    missing = await client.request("GET", "/customervault/v1/customersearch")
    assert (missing.status, missing.code) == (400, "5068")
    assert REGISTRY.get_sample_value(
        "vault_projection_lag_seconds_count", {"projection": "customer-search"}
    )


async def test_unknown_event_types_are_skipped_not_fatal(
    client: VaultClient,
    pool: asyncpg.Pool,
    topic: str,
    start_relay,
    start_projector,
) -> None:
    from events.envelope import NewEvent
    from events.store import PostgresEventStore

    await start_relay(topic, from_now=True)
    stranger = f"profile-{uuid.uuid4()}"
    async with pool.acquire() as conn:
        await PostgresEventStore().append(
            conn,
            stranger,
            0,
            [NewEvent(uuid.uuid4(), "FromTheFuture", 1, b"{}", {"merchantId": str(uuid.uuid4())})],
        )
    after = await client.create_profile(email="after@example.com")
    counted = Projection("unknown-test", CUSTOMER_SEARCH.project, CUSTOMER_SEARCH.tables)
    start_projector(topic, counted)

    async def applied_after() -> bool:
        return await search_row(pool, after["id"]) is not None

    await wait_until(applied_after)
    assert (
        REGISTRY.get_sample_value(
            "vault_projection_unknown_events_total", {"event_type": "FromTheFuture"}
        )
        >= 1
    )


async def test_events_a_projection_does_not_handle_are_never_decoded(
    client: VaultClient, pool: asyncpg.Pool, decoder: EventDecoder
) -> None:
    from events.envelope import RecordedEvent

    profile = await client.create_profile(email="only@example.com")
    [created] = await PostgresEventStore().read_stream(pool, f"profile-{profile['id']}")
    # An address event whose sealed payload could not be opened: decoding it would raise.
    unreadable = RecordedEvent(
        created.global_position + 1,
        created.tx_id,
        created.stream_id,
        2,
        uuid.uuid4(),
        "AddressAdded",
        1,
        b'{"personal": {"alg": "A256GCM", "ct": "AAAA"}}',
        created.metadata,
        created.recorded_at,
    )
    decoded = await decoder.decode(pool, [created, unreadable], CUSTOMER_SEARCH.handles)
    assert [type(event).__name__ for event, _ in decoded] == ["ProfileCreated"]
