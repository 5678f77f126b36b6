"""``vault relay``: publishes the event store to Kafka in commit order (one active per name)."""

from __future__ import annotations

from events.relay import Relay, RelaySettings
from infra.lifecycle import run_process
from service.processes.wiring import METRICS_HOST, ensure_profile_topic, kafka_readiness
from service.settings import Settings


async def run_relay(settings: Settings) -> None:
    await ensure_profile_topic(settings)
    relay = Relay(
        RelaySettings(
            database_url=settings.database_url,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.profile_events_topic,
            name=settings.relay_name or settings.profile_events_topic,
            batch_size=settings.relay_batch_size,
            start=settings.relay_start,
        )
    )
    readiness = kafka_readiness(settings)
    readiness.checks["relay"] = relay.health.check
    await run_process(
        "relay",
        readiness,
        metrics_host=METRICS_HOST,
        metrics_port=settings.metrics_port,
        loops=[relay.run, relay.sample_lag],
        grace_seconds=settings.shutdown_grace_seconds,
        drain_seconds=settings.shutdown_drain_seconds,
    )
