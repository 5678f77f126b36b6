"""What the vault's processes share when they are wired from settings."""

from __future__ import annotations

from events.topics import ensure_topic
from infra.http_server import metrics_host
from infra.probes import Readiness, kafka_check
from service.adapters.token_service import TokenClient
from service.settings import Settings

METRICS_HOST = metrics_host()


def kafka_readiness(settings: Settings) -> Readiness:
    readiness = Readiness()
    readiness.checks["kafka"] = kafka_check(settings.kafka_bootstrap_servers)
    return readiness


async def ensure_profile_topic(settings: Settings) -> None:
    await ensure_topic(
        settings.kafka_bootstrap_servers,
        settings.profile_events_topic,
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
        configs={"cleanup.policy": "delete", "retention.ms": "-1"},
    )


def token_client(settings: Settings) -> TokenClient:
    """The vault's token-service client as configured (start() it before use)."""
    return TokenClient(
        settings.tokens_url,
        settings.tokens_client_id,
        settings.tokens_client_secret,
        settings.tokens_timeout_seconds,
    )
