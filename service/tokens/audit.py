"""Access-audit events: written to an outbox in the access's own transaction, published to Kafka.

Durability: a reveal commits its audit row together with the read (a reveal whose row cannot be
written fails and returns nothing). The publisher follows events/relay.py: one active publisher
(session advisory lock on a dedicated connection; other replicas wait as standbys), an idempotent
producer (acks=all), rows read in commit order below the xmin horizon, and a checkpoint that moves
past them only after Kafka acknowledged them (on the lock's connection, so a deposed leader cannot
write it). Delivery is at least once; consumers deduplicate by ``eventId``.

No audit event carries a card or account number, a CVV or an IBAN: the token appears only as its
SHA-256 (``tokenFingerprint``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import msgspec
from aiokafka import AIOKafkaProducer

from events import metrics as event_metrics
from infra.leadership import LeaderLoop, SessionLock, publishing
from infra.sqlfiles import Queries
from infra.supervision import sleep_or_stop
from infra.throttle import FailedLogins
from service.tokens import contract, metrics
from service.tokens.sealing import token_fingerprint

log = logging.getLogger(__name__)


class _Sql(Queries, package="service.tokens"):
    audit_insert: str
    audit_unpublished: str
    audit_checkpoint_load: str
    audit_checkpoint_save: str
    audit_backlog: str
    audit_purge_published: str
    audit_try_lock: str


REVEALED = "InstrumentRevealed"
REFUSED = "RevealRefused"
TOKENIZED = "InstrumentTokenized"
UPDATED = "InstrumentUpdated"
DELETED = "InstrumentDeleted"
REDEEMED = "SingleUseTokenRedeemed"
# One per source address and throttle window, with the number of failed logins (infra.throttle's
# FailedLoginTally): one record per failure made failed logins a cheap way to flood the audit log.
AUTHENTICATION_FAILED = "AuthenticationFailed"


# One row of the access ledger, as written and as read back (GET /tokens/v1/audit).
AuditEvent = contract.Access


_encoder = msgspec.json.Encoder()


def event(
    type_: str,
    *,
    merchant_id: uuid.UUID | None,
    token: str | None,
    kind: str | None,
    client_id: str | None,
    purpose: str | None = None,
    outcome: str = "success",
    reason: str | None = None,
    new_token: str | None = None,
    source: str | None = None,
    attempts: int | None = None,
) -> AuditEvent:
    return AuditEvent(
        event_id=str(uuid.uuid4()),
        type=type_,
        occurred_at=datetime.now(UTC).isoformat(),
        merchant_id=str(merchant_id) if merchant_id else "unknown",
        token_fingerprint=token_fingerprint(token) if token else None,
        kind=kind,
        client_id=sanitized(client_id, 64),
        purpose=sanitized(purpose, 200),
        outcome=outcome,
        reason=reason,
        new_token_fingerprint=token_fingerprint(new_token) if new_token else None,
        source=sanitized(source, 64),
        attempts=attempts,
    )


def failed_logins(tally: FailedLogins) -> AuditEvent:
    """A source's failed logins in one throttle window; ``clientId`` is the last id it claimed."""
    return event(
        AUTHENTICATION_FAILED,
        merchant_id=None,
        token=None,
        kind=None,
        client_id=tally.claimed_id,
        outcome="refused",
        reason="unauthenticated",
        source=tally.source,
        attempts=tally.count,
    )


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def sanitized(text: str | None, limit: int) -> str | None:
    """Caller-supplied text as an audit row can hold it: control characters and lone surrogates
    (which PostgreSQL's jsonb refuses) replaced by U+FFFD, cut to ``limit`` characters."""
    return None if text is None else _UNPRINTABLE.sub("\ufffd", text[:limit])


class AuditOutbox:
    def __init__(self, topic: str) -> None:
        self.topic = topic

    def row(self, audit: AuditEvent) -> tuple[str, str, str]:
        """(topic, record key, JSON payload): the outbox row of ``audit``, for a statement that
        writes it together with its access."""
        return self.topic, audit.merchant_id, _encoder.encode(audit).decode()

    async def write(self, conn: asyncpg.Connection, audit: AuditEvent) -> None:
        await conn.execute(_Sql.audit_insert, *self.row(audit))


@dataclass(frozen=True)
class PublisherSettings:
    database_url: str
    bootstrap_servers: str
    batch_size: int = 500
    idle_poll_seconds: float = 0.05
    standby_poll_seconds: float = 1.0
    retention_seconds: float = 365 * 24 * 3600.0


class AuditPublisher(LeaderLoop):
    def __init__(self, settings: PublisherSettings) -> None:
        self._settings = settings
        super().__init__(
            "audit publisher",
            SessionLock(
                settings.database_url, _Sql.audit_try_lock, (), settings.standby_poll_seconds
            ),
            publishing(settings.bootstrap_servers, self._publish_until_stopped),
            on_failure=event_metrics.KAFKA_PRODUCE_ERRORS.labels(process="token-audit").inc,
        )

    async def _publish_until_stopped(
        self, conn: asyncpg.Connection, producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> None:
        s = self._settings
        last_housekeeping = 0.0
        loop = asyncio.get_running_loop()
        position = tuple(await conn.fetchrow(_Sql.audit_checkpoint_load))
        while not stop.is_set():
            if loop.time() - last_housekeeping > 5:
                await self._housekeeping(conn)
                last_housekeeping = loop.time()
            rows = await conn.fetch(_Sql.audit_unpublished, *position, s.batch_size)
            self.health.ok()
            if not rows:
                metrics.AUDIT_UNPUBLISHED.set(0)
                metrics.AUDIT_LAG.set(0)
                await sleep_or_stop(stop, s.idle_poll_seconds)
                continue
            pending = [
                await producer.send(
                    row["topic"],
                    value=row["payload"].encode(),
                    key=row["record_key"].encode(),
                    headers=[("content-type", b"application/json")],
                )
                for row in rows
            ]
            try:
                await asyncio.gather(*pending)
            except Exception:
                event_metrics.KAFKA_PRODUCE_ERRORS.labels(process="token-audit").inc()
                raise
            # Only now, after every record of the batch was acknowledged.
            position = (rows[-1]["tx_id"], rows[-1]["id"])
            await conn.execute(_Sql.audit_checkpoint_save, *position, len(rows))
            metrics.AUDIT_PUBLISHED.inc(len(rows))

    async def _housekeeping(self, conn: asyncpg.Connection) -> None:
        backlog = await conn.fetchrow(_Sql.audit_backlog)
        metrics.AUDIT_UNPUBLISHED.set(backlog["unpublished"])
        metrics.AUDIT_LAG.set(backlog["lag_seconds"])
        await conn.execute(_Sql.audit_purge_published, self._settings.retention_seconds)
