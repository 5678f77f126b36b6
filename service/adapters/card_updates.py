"""Kafka and PostgreSQL edges of the account updater: the consumer of
``customervault.card-updates.v1``, the card lookup in the card view, and ``vault updater publish``.

The consumer commits a message's offset only after it was applied, counted as unknown or refused as
malformed; when the token service or PostgreSQL is down it retries the same message (backing off)
instead of skipping it. Records are keyed by merchant and card, so one card's updates stay in one
partition, in order.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from events.card_updates import decode
from infra.kafka_security import kafka_security
from infra.sqlfiles import load_sql
from infra.supervision import LoopHealth, keep_running, sleep_or_stop
from service.application.network_updates import CardLocator, NetworkUpdates

log = logging.getLogger(__name__)
_LOCATE = load_sql("service", "queries/card_view_locate.sql")
GROUP_ID = "customervault-updater"


def card_locator(pool: asyncpg.Pool) -> CardLocator:
    async def locate(merchant_id: uuid.UUID, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
        row = await pool.fetchrow(_LOCATE, merchant_id, token)
        return None if row is None else (row["profile_id"], row["card_id"])

    return locate


class CardUpdateConsumer:
    def __init__(
        self, bootstrap_servers: str, topic: str, updates: NetworkUpdates, *, retry_seconds: float
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._updates = updates
        self._retry_seconds = retry_seconds
        self.health = LoopHealth("card updater")

    async def run(self, stop: asyncio.Event) -> None:
        await keep_running("card updater", self._consume, stop, health=self.health)

    async def _consume(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            self._topic,
            bootstrap_servers=self._bootstrap,
            **kafka_security(),
            group_id=GROUP_ID,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            while not stop.is_set():
                polled = await consumer.getmany(timeout_ms=200, max_records=100)
                self.health.ok()
                for partition, records in polled.items():
                    for record in records:
                        await self._apply_until_done(record.value or b"", stop)
                        if stop.is_set():
                            return
                        await consumer.commit(
                            {
                                TopicPartition(partition.topic, partition.partition): record.offset
                                + 1
                            }
                        )
        finally:
            await consumer.stop()

    async def _apply_until_done(self, value: bytes, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._updates.apply(value)
                return
            except Exception as exc:  # an outage: the same message again, never skipped
                log.warning(
                    "card update not applied; retrying", extra={"cause": type(exc).__name__}
                )
                self.health.ok()
                await sleep_or_stop(stop, self._retry_seconds)


async def publish_file(bootstrap_servers: str, topic: str, path: Path) -> tuple[int, int]:
    """Send each JSON line of ``path`` to the topic (key: merchant and card); (sent, refused)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, **kafka_security(), acks="all", enable_idempotence=True
    )
    await producer.start()
    sent = refused = 0
    try:
        with path.open("rb") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                update = decode(line.strip())
                if update is None:
                    refused += 1
                    log.warning("line is not a card update; not sent", extra={"line": number})
                    continue
                card = update.payment_token or update.fingerprint or ""
                key = f"{update.merchant_id}|{card}".encode()
                await producer.send_and_wait(topic, line.strip(), key=key)
                sent += 1
    finally:
        await producer.stop()
    return sent, refused
