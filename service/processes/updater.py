"""``vault updater``: the account updater, a Kafka consumer of ``customervault.card-updates.v1``
that applies card updates from the networks (``service/application/network_updates.py``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from events.topics import ensure_topic
from infra import db
from infra.lifecycle import run_process
from service.adapters.card_updates import CardUpdateConsumer, card_locator, publish_file
from service.adapters.profile_store import postgres_profile_commands
from service.adapters.token_service import TokenClient
from service.application.network_updates import NetworkUpdates
from service.processes.wiring import METRICS_HOST, kafka_readiness
from service.settings import Settings


async def ensure_card_updates_topic(settings: Settings) -> None:
    await ensure_topic(
        settings.kafka_bootstrap_servers,
        settings.card_updates_topic,
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
        # New card numbers travel on this topic: they must not stay longer than needed.
        configs={
            "cleanup.policy": "delete",
            "retention.ms": str(settings.card_updates_retention_ms),
        },
    )


async def run_updater(settings: Settings, keyring: Keyring) -> None:
    await ensure_card_updates_topic(settings)
    pool = await db.create_pool(settings.pool(), max_size=4)
    tokens = TokenClient(
        settings.tokens_url,
        settings.tokens_client_id,
        settings.tokens_client_secret,
        settings.tokens_timeout_seconds,
    )
    await tokens.start()
    commands = postgres_profile_commands(pool, PersonalDataKeys(keyring))
    updates = NetworkUpdates(commands, tokens, card_locator(pool))
    consumer = CardUpdateConsumer(
        settings.kafka_bootstrap_servers, settings.card_updates_topic, updates, retry_seconds=1.0
    )
    readiness = kafka_readiness(settings)
    readiness.checks["updater"] = consumer.health.check
    try:
        await run_process(
            "updater",
            readiness,
            metrics_host=METRICS_HOST,
            metrics_port=settings.metrics_port,
            loops=[consumer.run],
            grace_seconds=settings.shutdown_grace_seconds,
            drain_seconds=settings.shutdown_drain_seconds,
        )
    finally:
        await tokens.close()
        await asyncio.wait_for(pool.close(), timeout=5)


async def publish_updates(settings: Settings, path: Path) -> int:
    await ensure_card_updates_topic(settings)
    sent, refused = await publish_file(
        settings.kafka_bootstrap_servers, settings.card_updates_topic, path
    )
    print(f"sent={sent} refused={refused}")
    return 1 if refused else 0
