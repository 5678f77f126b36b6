"""The pure parts of profile history: what a change lists, and folding up to a moment."""

from __future__ import annotations

import datetime as dt
import uuid

from events.envelope import RecordedEvent
from events.types import Event, ProfileCreated, ProfilePersonal, ProfileUpdated
from service.application.history import changes_of, state_as_of

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PID, MID = uuid.uuid4(), uuid.uuid4()


def recorded(version: int, event: Event, seconds: int) -> RecordedEvent:
    return RecordedEvent(
        global_position=version,
        tx_id=version,
        stream_id=f"profile-{PID}",
        stream_version=version,
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=1,
        data=b"",
        metadata={"keyId": "k1", "requestId": f"r{version}"},
        recorded_at=T0 + dt.timedelta(seconds=seconds),
    )


CREATED = ProfileCreated(
    profile_id=PID,
    merchant_id=MID,
    payment_token="Pabc",
    status="ACTIVE",
    locale="en_US",
    personal=ProfilePersonal(merchant_customer_id="c1", first_name="Ann"),
)
UPDATED = ProfileUpdated(
    status="ACTIVE",
    locale="en_GB",
    personal=ProfilePersonal(merchant_customer_id="c1", first_name="Jane", email="j@x.io"),
)
STREAM = [(recorded(1, CREATED, 0), CREATED), (recorded(2, UPDATED, 10), UPDATED)]


def test_a_change_names_the_fields_it_changed_and_hides_values_unless_asked() -> None:
    created, updated = changes_of(STREAM, with_values=False)
    assert (updated.version, updated.event_type, updated.key_id, updated.request_id) == (
        2, "ProfileUpdated", "k1", "r2",
    )  # fmt: skip
    # The first change names all it set, but not the subject's ids.
    assert created.fields == ("firstName", "locale", "merchantCustomerId", "paymentToken", "status")
    assert updated.fields == ("email", "firstName", "locale")
    assert updated.values is None
    _, valued = changes_of(STREAM, with_values=True)
    assert valued.values == {"email": "j@x.io", "firstName": "Jane", "locale": "en_GB"}


def test_a_field_left_out_of_a_replacement_was_cleared() -> None:
    cleared = ProfileUpdated(
        status="ACTIVE", locale="en_GB", personal=ProfilePersonal(merchant_customer_id="c1")
    )
    stream = [*STREAM, (recorded(3, cleared, 20), cleared)]
    last = changes_of(stream, with_values=True)[-1]
    assert last.fields == ("email", "firstName")
    assert last.values == {"email": None, "firstName": None}


def test_folding_stops_at_the_moment() -> None:
    assert state_as_of(STREAM, T0 - dt.timedelta(microseconds=1)) is None
    first = state_as_of(STREAM, T0 + dt.timedelta(seconds=9))
    assert first is not None and first.locale == "en_US"
    last = state_as_of(STREAM, T0 + dt.timedelta(seconds=10))
    assert last is not None and last.personal is not None and last.personal.first_name == "Jane"
