"""Sealing, shredding and upcasting in the event codec (pure; no database)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest

import events.types
from events.codec import EventCodec
from events.crypto import DecryptionFailed, new_data_key
from events.envelope import NewEvent, RecordedEvent
from events.types import EVENT_TYPES, Event, ProfileCreated, ProfilePersonal, ProfileUpdated
from events.upcasting import UnknownSchemaVersion, Upcasters

PID, MERCHANT = uuid.uuid4(), uuid.uuid4()
PERSONAL = ProfilePersonal(merchant_customer_id="m-1", first_name="Ada", email="ada@example.com")


def recorded(new: NewEvent, stream: uuid.UUID = PID, version: int = 1) -> RecordedEvent:
    return RecordedEvent(
        1,
        1,
        f"profile-{stream}",
        version,
        new.event_id,
        new.event_type,
        new.schema_version,
        new.data,
        new.metadata,
        dt.datetime.now(dt.UTC),
    )


def created() -> ProfileCreated:
    return ProfileCreated(
        profile_id=PID,
        merchant_id=MERCHANT,
        payment_token="Pabc",
        status="ACTIVE",
        locale="en_US",
        personal=PERSONAL,
    )


def test_personal_data_is_sealed_and_round_trips() -> None:
    key = new_data_key()
    codec = EventCodec()
    new = codec.encode(created(), subject_id=PID, data_key=key, metadata={})
    assert b"Ada" not in new.data and b"ada@example.com" not in new.data and b"m-1" not in new.data
    stored = msgspec.json.decode(new.data)
    assert stored["personal"]["alg"] == "A256GCM"
    assert stored["locale"] == "en_US"  # plain fields stay readable
    assert codec.decode(recorded(new), PID, key) == created()


def test_without_the_key_personal_data_is_gone() -> None:
    codec = EventCodec()
    new = codec.encode(created(), subject_id=PID, data_key=new_data_key(), metadata={})
    decoded = codec.decode(recorded(new), PID, None)
    assert decoded.personal is None
    assert decoded.payment_token == "Pabc"


def test_wrong_key_or_moved_blob_fails_loudly() -> None:
    codec = EventCodec()
    key = new_data_key()
    new = codec.encode(created(), subject_id=PID, data_key=key, metadata={})
    with pytest.raises(DecryptionFailed):
        codec.decode(recorded(new), PID, new_data_key())
    other = uuid.uuid4()
    with pytest.raises(DecryptionFailed):  # the same bytes under another profile's stream
        codec.decode(recorded(new, stream=other), other, key)
    # Pasted into another event type, the blob does not open either.
    update = codec.encode(
        ProfileUpdated(status="ACTIVE", locale="en_US", personal=PERSONAL),
        subject_id=PID,
        data_key=key,
        metadata={},
    )
    forged = msgspec.json.decode(update.data)
    forged["personal"] = msgspec.json.decode(new.data)["personal"]
    tampered = NewEvent(update.event_id, update.event_type, 1, msgspec.json.encode(forged), {})
    with pytest.raises(DecryptionFailed):
        codec.decode(recorded(tampered), PID, key)


def test_upcasters_lift_old_payloads() -> None:
    class Renamed(ProfileUpdated, frozen=True):
        schema_version = 2

    upcasters = Upcasters()

    @upcasters.register("ProfileUpdated", 1)
    def rename_language(payload: dict) -> dict:
        return {
            **{k: v for k, v in payload.items() if k != "language"},
            "locale": payload["language"],
        }

    codec = EventCodec({"ProfileUpdated": Renamed}, upcasters)
    old = NewEvent(
        uuid.uuid4(),
        "ProfileUpdated",
        1,
        b'{"status": "ACTIVE", "language": "fr_CA", "personal": null}',
        {},
    )
    assert codec.decode(recorded(old), PID, None).locale == "fr_CA"
    newer = NewEvent(uuid.uuid4(), "ProfileUpdated", 3, old.data, {})
    with pytest.raises(UnknownSchemaVersion):
        codec.decode(recorded(newer), PID, None)
    with pytest.raises(UnknownSchemaVersion):
        EventCodec({"ProfileUpdated": Renamed}, Upcasters()).decode(recorded(old), PID, None)


def test_every_event_type_has_a_unique_name() -> None:
    """Counted over the classes themselves: EVENT_TYPES is keyed by the name, so two classes
    sharing one would collapse into one entry there and hide the clash."""
    classes = [cls for cls in vars(events.types).values() if is_event_class(cls)]
    names = [cls.event_type for cls in classes]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    # Every declared event is registered, under its own name.
    assert {cls.event_type: cls for cls in classes} == EVENT_TYPES


def is_event_class(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Event) and value is not Event
