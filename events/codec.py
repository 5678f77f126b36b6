"""Encoding domain events to stored bytes and back: JSON (msgspec), sealing, upcasting.

The codec is the only place that sees a payload both sealed and in the clear. It works on one data
subject at a time: the caller hands it that subject's data key, or ``None`` once the key was
destroyed, in which case ``personal`` decodes as ``None`` and everything else is still readable.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import msgspec

from events.crypto import open_sealed, seal
from events.envelope import NewEvent, RecordedEvent
from events.types import EVENT_TYPES, Event
from events.upcasting import UPCASTERS, Upcasters

SEALED_FIELD = "personal"
SEAL_ALGORITHM = "A256GCM"

_json_encoder = msgspec.json.Encoder()
_json_decoder = msgspec.json.Decoder()


class UnknownEventType(Exception):
    pass


def _associated_data(subject_id: uuid.UUID, event_type: str) -> bytes:
    # Binds a sealed blob to its subject and event type: pasted into another profile's event, or into
    # another kind of event, it does not open.
    return f"{subject_id}|{event_type}".encode()


class EventCodec:
    def __init__(
        self,
        event_types: dict[str, type[Event]] | None = None,
        upcasters: Upcasters | None = None,
    ) -> None:
        self._types = event_types if event_types is not None else EVENT_TYPES
        self._upcasters = upcasters if upcasters is not None else UPCASTERS

    def encode(
        self,
        event: Event,
        *,
        subject_id: uuid.UUID,
        data_key: bytes,
        metadata: dict[str, Any],
        event_id: uuid.UUID | None = None,
    ) -> NewEvent:
        payload = msgspec.to_builtins(event)
        personal = payload.get(SEALED_FIELD)
        if personal is not None:
            sealed = seal(
                data_key,
                _json_encoder.encode(personal),
                _associated_data(subject_id, event.event_type),
            )
            payload[SEALED_FIELD] = {
                "alg": SEAL_ALGORITHM,
                "ct": base64.b64encode(sealed).decode("ascii"),
            }
        return NewEvent(
            event_id=event_id or uuid.uuid4(),
            event_type=event.event_type,
            schema_version=event.schema_version,
            data=_json_encoder.encode(payload),
            metadata=metadata,
        )

    def decode(
        self, recorded: RecordedEvent, subject_id: uuid.UUID, data_key: bytes | None
    ) -> Event:
        try:
            cls = self._types[recorded.event_type]
        except KeyError as exc:
            raise UnknownEventType(recorded.event_type) from exc
        payload = _json_decoder.decode(recorded.data)
        payload = self._upcasters.upcast(
            recorded.event_type, recorded.schema_version, cls.schema_version, payload
        )
        sealed = payload.get(SEALED_FIELD)
        if sealed is not None:
            payload[SEALED_FIELD] = self._open(sealed, subject_id, recorded.event_type, data_key)
        return msgspec.convert(payload, cls)

    @staticmethod
    def _open(
        sealed: dict[str, str], subject_id: uuid.UUID, event_type: str, data_key: bytes | None
    ) -> Any:
        if data_key is None:
            return None  # crypto-shredded: the subject's key no longer exists
        blob = base64.b64decode(sealed["ct"])
        # A wrong key or a blob moved from elsewhere raises DecryptionFailed: that is tampering or a
        # bug, never a normal state, so it is not folded into "shredded".
        return _json_decoder.decode(
            open_sealed(data_key, blob, _associated_data(subject_id, event_type))
        )
