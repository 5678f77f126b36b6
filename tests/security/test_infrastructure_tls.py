"""TLS and authentication to the infrastructure, against real servers configured that way: a
PostgreSQL that refuses unencrypted connections (verify-full with our CA), and a Kafka broker
whose listener wants SASL SCRAM-SHA-512 over TLS with a client certificate."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from devstack.kafka import fetch_kafka
from devstack.postgres import LocalPostgres
from events.topics import ensure_topic
from infra import db
from infra.kafka_security import kafka_security
from service.admin.migrations import migrate
from tests.security.tls_servers import (
    SCRAM_PASSWORD,
    SCRAM_USER,
    Pki,
    SaslSslKafka,
    make_pki,
    tls_postgres,
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[LocalPostgres]:
    server = tls_postgres(tmp_path_factory.mktemp("tls-pg"), pki)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[SaslSslKafka]:
    broker = SaslSslKafka(tmp_path_factory.mktemp("sasl-kafka"), pki)
    try:
        broker.launch(fetch_kafka())
        broker.wait_ready()
        yield broker
    finally:
        broker.stop()


def _secure_env(kafka: SaslSslKafka, pki: Pki, **changes: str) -> dict[str, str]:
    env = {
        "VAULT_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "VAULT_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "VAULT_KAFKA_SASL_USERNAME": SCRAM_USER,
        "VAULT_KAFKA_SASL_PASSWORD": SCRAM_PASSWORD,
        "VAULT_KAFKA_SSL_CAFILE": str(pki.ca),
        "VAULT_KAFKA_SSL_CERTFILE": str(pki.client_cert),
        "VAULT_KAFKA_SSL_KEYFILE": str(pki.client_key),
    }
    return {k: v for k, v in {**env, **changes}.items() if v}


async def test_postgres_verify_full_with_our_ca(postgres: LocalPostgres, pki: Pki) -> None:
    settings = db.PoolSettings(url=postgres.url, ssl_mode="verify-full", ssl_root_cert=str(pki.ca))
    pool = await db.create_pool(settings, max_size=2)
    try:
        encrypted = await pool.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert encrypted is True
    finally:
        await pool.close()


async def test_postgres_refuses_plaintext_and_a_foreign_ca(
    postgres: LocalPostgres, tmp_path: Path
) -> None:
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        await db.create_pool(db.PoolSettings(url=postgres.url, ssl_mode="disable"), max_size=1)
    stranger = make_pki(tmp_path / "other")
    with pytest.raises(ssl.SSLCertVerificationError):
        settings = db.PoolSettings(
            url=postgres.url, ssl_mode="verify-full", ssl_root_cert=str(stranger.ca)
        )
        await db.create_pool(settings, max_size=1)


async def test_connections_from_a_url_with_sslmode_verify_full(
    postgres: LocalPostgres, pki: Pki
) -> None:
    """The relay, the audit publisher and migrations connect from DATABASE_URL alone."""
    url = f"{postgres.url}?sslmode=verify-full&sslrootcert={quote(str(pki.ca))}"
    assert "service/schema/api_keys.sql" in await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await conn.close()


async def test_kafka_sasl_ssl_with_client_certificate(
    kafka: SaslSslKafka, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _secure_env(kafka, pki).items():
        monkeypatch.setenv(name, value)
    options = kafka_security()  # what every client of the vault gets from the environment
    bootstrap = kafka.secure_bootstrap_servers
    topic = f"tls-test-{uuid.uuid4().hex[:8]}"
    await ensure_topic(bootstrap, topic, partitions=1, replication_factor=1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **options)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"over SASL_SSL")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", **options
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            record = await consumer.getone()
        assert record.value == b"over SASL_SSL"
    finally:
        await consumer.stop()


@pytest.mark.parametrize(
    "change",
    [
        {"VAULT_KAFKA_SASL_PASSWORD": "wrong-password"},
        {"VAULT_KAFKA_SSL_CERTFILE": "", "VAULT_KAFKA_SSL_KEYFILE": ""},  # no client certificate
        {"VAULT_KAFKA_SSL_CAFILE": ""},  # the broker's CA is not in the system store
    ],
    ids=["wrong password", "no client certificate", "unknown CA"],
)
async def test_kafka_refuses_what_is_not_configured_right(
    kafka: SaslSslKafka, pki: Pki, change: dict[str, str]
) -> None:
    options = kafka_security(_secure_env(kafka, pki, **change))
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.secure_bootstrap_servers, request_timeout_ms=5000, **options
    )
    with pytest.raises((KafkaError, OSError, ssl.SSLError)):
        async with asyncio.timeout(30):
            await producer.start()
    await producer.stop()


async def test_every_connection_takes_the_sslmode_from_the_environment(
    postgres: LocalPostgres, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrations (like the relay and the audit publisher) connect with ``db.ssl_options()``."""
    monkeypatch.setenv("VAULT_DB_SSLMODE", "verify-full")
    monkeypatch.setenv("VAULT_DB_SSLROOTCERT", str(make_pki(tmp_path / "other").ca))
    with pytest.raises(ssl.SSLCertVerificationError):
        await migrate(postgres.url)
    monkeypatch.setenv("VAULT_DB_SSLROOTCERT", str(pki.ca))
    await migrate(postgres.url)
    pool = await db.create_pool(db.PoolSettings(url=postgres.url), max_size=1)
    try:
        assert await pool.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await pool.close()
