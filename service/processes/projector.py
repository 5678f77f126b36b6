"""``vault project``: the Kafka consumer group that maintains the asynchronous views."""

from __future__ import annotations

import asyncio

from events.codec import EventCodec
from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from infra import db
from infra.lifecycle import run_process
from projections.catalog import PROJECTIONS
from projections.runners.decoding import EventDecoder
from projections.runners.lag import LagSettings, sample_projection_lag
from projections.runners.projector import Projector, ProjectorSettings
from service.processes.wiring import METRICS_HOST, ensure_profile_topic, kafka_readiness
from service.settings import ConfigError, Settings


async def run_projector(settings: Settings, keyring: Keyring, name: str) -> None:
    try:
        projection = PROJECTIONS[name]
    except KeyError:
        raise ConfigError(f"unknown projection {name!r}") from None
    await ensure_profile_topic(settings)
    pool = await db.create_pool(settings.pool(), max_size=4)
    readiness = kafka_readiness(settings)

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
    readiness.checks["projector"] = projector.health.check
    lag = LagSettings(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topic=settings.profile_events_topic,
        group_id=projector.group_id,
        projection=projection.name,
    )

    async def sample_lag(stop: asyncio.Event) -> None:
        await sample_projection_lag(lag, stop)

    try:
        await run_process(
            "projector",
            readiness,
            metrics_host=METRICS_HOST,
            metrics_port=settings.metrics_port,
            loops=[projector.run, sample_lag],
            grace_seconds=settings.shutdown_grace_seconds,
            drain_seconds=settings.shutdown_drain_seconds,
        )
    finally:
        await asyncio.wait_for(pool.close(), timeout=5)
