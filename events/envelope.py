"""The envelope every stored event travels in: what the store records around a payload."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec


class NewEvent(msgspec.Struct, frozen=True):
    """An encoded event ready to append; ``data`` is the sealed payload as bytes."""

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    data: bytes
    metadata: dict[str, Any]


class RecordedEvent(msgspec.Struct, frozen=True):
    """An event as the store holds it: payload still encoded and sealed."""

    global_position: int
    tx_id: int
    stream_id: str
    stream_version: int
    event_id: uuid.UUID
    event_type: str
    schema_version: int
    data: bytes
    metadata: dict[str, Any]
    recorded_at: dt.datetime

    @property
    def commit_position(self) -> tuple[int, int]:
        return (self.tx_id, self.global_position)


class KafkaEnvelope(msgspec.Struct, frozen=True, rename="camel"):
    """The JSON value of a Kafka record (schema: docs/schemas/envelope.json).

    ``data`` is the stored payload verbatim, personal data still sealed: the relay never decrypts, so a
    destroyed data key makes the Kafka copy unreadable too.
    """

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    stream_id: str
    stream_version: int
    global_position: int
    recorded_at: dt.datetime
    metadata: dict[str, Any]
    data: msgspec.Raw

    @classmethod
    def of(cls, event: RecordedEvent) -> KafkaEnvelope:
        return cls(
            event_id=event.event_id,
            event_type=event.event_type,
            schema_version=event.schema_version,
            stream_id=event.stream_id,
            stream_version=event.stream_version,
            global_position=event.global_position,
            recorded_at=event.recorded_at,
            metadata=event.metadata,
            data=msgspec.Raw(event.data),
        )

    def to_recorded(self, tx_id: int = 0) -> RecordedEvent:
        return RecordedEvent(
            global_position=self.global_position,
            tx_id=tx_id,
            stream_id=self.stream_id,
            stream_version=self.stream_version,
            event_id=self.event_id,
            event_type=self.event_type,
            schema_version=self.schema_version,
            data=bytes(self.data),
            metadata=self.metadata,
            recorded_at=self.recorded_at,
        )


def profile_stream(profile_id: uuid.UUID) -> str:
    return f"profile-{profile_id}"


def stream_subject(stream_id: str) -> uuid.UUID:
    """The data subject (profile id) of a stream; it is also the Kafka key."""
    _, _, tail = stream_id.partition("-")
    return uuid.UUID(tail)
