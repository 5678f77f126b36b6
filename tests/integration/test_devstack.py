"""The dev stack starts a real PostgreSQL and a real Apache Kafka, and stop() leaves nothing behind.

With DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS removed, LocalStack must start both services itself
(containers if a Docker engine answers, otherwise local processes).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest

from devstack import Endpoints, LocalStack
from devstack.containers import docker_available

pytestmark = pytest.mark.integration


async def _check_postgres(database_url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        version = await conn.fetchval("select version()")
        assert version.startswith("PostgreSQL ")
        # The event store orders events by transaction id (xid8, PostgreSQL 13+).
        xid = await conn.fetchval("select pg_current_xact_id()::text")
        assert int(xid) > 0
        assert await conn.fetchval("select current_database()") == "vault"
    finally:
        await conn.close()


async def _check_kafka_round_trip(bootstrap_servers: str) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    topic = f"devstack-smoke-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        # Topics are not auto-created by the dev stack broker: create it like the app would.
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, key=b"customer-1", value=b"hello vault")
    finally:
        await producer.stop()
    assert sent.offset == 0

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"{topic}-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=30)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"customer-1", b"hello vault")


def _port_closed(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return False
    except OSError:
        return True


def _process_group_gone(pid: int) -> bool:
    """The server and every process in its group (PostgreSQL backends, JVM) has exited."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _addresses(endpoints: Endpoints) -> list[tuple[str, int]]:
    db = urlsplit(endpoints.database_url)
    kafka_host, _, kafka_port = endpoints.kafka_bootstrap_servers.rpartition(":")
    assert db.hostname and db.port
    return [(db.hostname, db.port), (kafka_host, int(kafka_port))]


@pytest.mark.asyncio
async def test_local_stack_serves_postgres_kafka_and_cleans_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("VAULT_KEEP_STACK", raising=False)
    local_processes = not docker_available()

    stack = LocalStack()
    started = time.monotonic()
    # start()/stop() block for seconds; keep the test's event loop free meanwhile.
    endpoints = await asyncio.to_thread(stack.start)
    pids = stack.pids
    try:
        print(f"stack started in {time.monotonic() - started:.1f}s: {endpoints}")
        if local_processes:
            assert set(pids) == {"postgres", "kafka"}
            assert endpoints.database_url.startswith("postgresql://vault@127.0.0.1:")
            assert endpoints.database_url.endswith("/vault")
            assert endpoints.kafka_bootstrap_servers.startswith("127.0.0.1:")
        await _check_postgres(endpoints.database_url)
        await _check_kafka_round_trip(endpoints.kafka_bootstrap_servers)
    finally:
        await asyncio.to_thread(stack.stop)

    for name, pid in pids.items():
        assert _process_group_gone(pid), f"{name} (pid {pid}) still running after stop()"
    for host, port in _addresses(endpoints):
        assert _port_closed(host, port), f"{host}:{port} still accepts connections after stop()"
    assert stack.pids == {}
