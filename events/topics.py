"""Kafka topic names and their creation (idempotent; production uses Strimzi KafkaTopic resources)."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from infra.kafka_security import kafka_security

log = logging.getLogger(__name__)


async def ensure_topic(
    bootstrap_servers: str,
    name: str,
    *,
    partitions: int,
    replication_factor: int,
    configs: dict[str, str] | None = None,
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafka_security())
    await admin.start()
    try:
        if name in await admin.list_topics():
            return
        topic = NewTopic(name, partitions, replication_factor, topic_configs=configs or {})
        try:
            await admin.create_topics([topic])
            log.info("created topic", extra={"topic": name, "partitions": partitions})
        except TopicAlreadyExistsError:
            pass  # another process created it between our list and our create
    finally:
        await admin.close()
