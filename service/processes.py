"""The long-running processes: vault API, relay and projector."""

from __future__ import annotations

import asyncio

from events.codec import EventCodec
from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.relay import Relay, RelaySettings
from events.topics import ensure_topic
from projections.catalog import PROJECTIONS
from projections.decoding import EventDecoder
from projections.projector import Projector, ProjectorSettings
from service import db
from service.api.app import create_app
from service.config import ConfigError, Settings
from service.ops import Readiness, kafka_check
from service.runtime import Site, run_process

METRICS_HOST = "0.0.0.0"  # noqa: S104 - scraped and probed from outside the pod


async def run_api(settings: Settings, keyring: Keyring) -> None:
    readiness = Readiness()
    app = create_app(settings, keyring, readiness)
    await run_process(
        "api",
        readiness,
        metrics_host=METRICS_HOST,
        metrics_port=settings.metrics_port,
        sites=[Site(app, settings.api_host, settings.api_port)],
        grace_seconds=settings.shutdown_grace_seconds,
        drain_seconds=settings.shutdown_drain_seconds,
    )


def _kafka_check(settings: Settings) -> Readiness:
    readiness = Readiness()
    readiness.checks["kafka"] = kafka_check(settings.kafka_bootstrap_servers)
    return readiness


async def _ensure_profile_topic(settings: Settings) -> None:
    await ensure_topic(
        settings.kafka_bootstrap_servers,
        settings.profile_events_topic,
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
        configs={"cleanup.policy": "delete", "retention.ms": "-1"},
    )


async def run_relay(settings: Settings) -> None:
    await _ensure_profile_topic(settings)
    relay = Relay(
        RelaySettings(
            database_url=settings.database_url,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.profile_events_topic,
            name=settings.relay_name or settings.profile_events_topic,
            batch_size=settings.relay_batch_size,
        )
    )
    await run_process(
        "relay",
        _kafka_check(settings),
        metrics_host=METRICS_HOST,
        metrics_port=settings.metrics_port,
        loops=[relay.run],
        grace_seconds=settings.shutdown_grace_seconds,
        drain_seconds=settings.shutdown_drain_seconds,
    )


async def run_projector(settings: Settings, keyring: Keyring, name: str) -> None:
    try:
        projection = PROJECTIONS[name]
    except KeyError:
        raise ConfigError(f"unknown projection {name!r}") from None
    await _ensure_profile_topic(settings)
    pool = await db.create_pool(settings, max_size=4)
    readiness = _kafka_check(settings)

    async def postgres() -> None:
        await pool.fetchval("SELECT 1")

    readiness.checks["postgres"] = postgres
    projector = Projector(
        ProjectorSettings(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.profile_events_topic,
        ),
        pool,
        projection,
        EventDecoder(EventCodec(), PersonalDataKeys(keyring)),
    )
    try:
        await run_process(
            "projector",
            readiness,
            metrics_host=METRICS_HOST,
            metrics_port=settings.metrics_port,
            loops=[projector.run],
            grace_seconds=settings.shutdown_grace_seconds,
            drain_seconds=settings.shutdown_drain_seconds,
        )
    finally:
        await asyncio.wait_for(pool.close(), timeout=5)
