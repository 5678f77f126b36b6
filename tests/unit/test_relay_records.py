"""The relay's record building: the partition a profile's records go to is the one aiokafka's
default partitioner always gave it (a change would break per-profile order across a restart), and
the record's key and CloudEvents id are the profile and event ids as text."""

from __future__ import annotations

import datetime as dt
import uuid

from aiokafka.partitioner import DefaultPartitioner

from events.envelope import RecordedEvent, profile_stream
from events.relay import kafka_record, partition_of


def test_partition_of_is_the_default_partitioners_choice() -> None:
    for partitions in (1, 3, 6, 7):
        every = list(range(partitions))
        for _ in range(300):
            key = str(uuid.uuid4()).encode()
            assert partition_of(key, partitions) == DefaultPartitioner()(key, every, every)


def test_record_key_and_id_are_the_profile_and_event_ids() -> None:
    profile, event_id = uuid.uuid4(), uuid.uuid4()
    event = RecordedEvent(
        global_position=7, tx_id=9, stream_id=profile_stream(profile), stream_version=2,
        event_id=event_id, event_type="ProfileDeleted", schema_version=1, data=b"{}",
        metadata={"merchantId": str(uuid.uuid4())}, recorded_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    key, _, headers = kafka_record(event)
    assert key == str(profile).encode()
    assert dict(headers)["ce_id"] == str(event_id).encode()
