"""The event schemas describe what is really stored and published; docs/schemas is up to date."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from events import schemas
from events.codec import SEAL_ALGORITHM, SEALED_FIELD, EventCodec
from events.crypto import new_data_key, open_sealed
from events.envelope import KafkaEnvelope, RecordedEvent, profile_stream
from events.relay import kafka_record
from events.types import (
    EVENT_TYPES,
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    AddressUpdated,
    BankAccountAdded,
    BankAccountPersonal,
    BankAccountRemoved,
    BankAccountUpdated,
    CardAdded,
    CardClosedByNetwork,
    CardExpiry,
    CardExpiryUpdatedByNetwork,
    CardNumberReplacedByNetwork,
    CardPersonal,
    CardRemoved,
    CardUpdated,
    DateOfBirth,
    DefaultCardChanged,
    Event,
    MandateAdded,
    MandateRemoved,
    MandateStatusChanged,
    ProfileCreated,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"
PROFILE_ID = uuid.uuid4()
MERCHANT_ID = uuid.uuid4()
ADDRESS_ID = uuid.uuid4()
CARD_ID, BANK_ID, MANDATE_ID = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PROFILE_PERSONAL = ProfilePersonal(
    merchant_customer_id="cust-42",
    first_name="Ada",
    last_name="Lovelace",
    date_of_birth=DateOfBirth(year=1990, month=12, day=10),
    ip="2001:db8::1",
    gender="F",
    email="ada@example.com",
    phone="+44 20 7946 0000",
    cell_phone="07700 900000",
)
ADDRESS_PERSONAL = AddressPersonal(street="100 Queen Street West", city="Toronto", zip="M5H 2N2")
METADATA = {"requestId": "req-1", "keyId": "devcentre322", "merchantId": str(MERCHANT_ID)}

# One realistic event of every type (a new event type fails the tests until it has one here).
SAMPLES: dict[str, Event] = {
    "ProfileCreated": ProfileCreated(
        profile_id=PROFILE_ID,
        merchant_id=MERCHANT_ID,
        payment_token="PJuZaa01cd2mbvU",
        status="ACTIVE",
        locale="en_US",
        personal=PROFILE_PERSONAL,
    ),
    "ProfileUpdated": ProfileUpdated(
        status="INITIAL", locale="fr_CA", personal=ProfilePersonal(merchant_customer_id="c")
    ),
    "ProfileDeleted": ProfileDeleted(profile_id=PROFILE_ID),
    "AddressAdded": AddressAdded(
        address_id=ADDRESS_ID,
        status="ACTIVE",
        country="CA",
        default_shipping_address_indicator=True,
        personal=ADDRESS_PERSONAL,
    ),
    "AddressUpdated": AddressUpdated(
        address_id=ADDRESS_ID,
        status="ACTIVE",
        country="US",
        default_shipping_address_indicator=False,
        personal=AddressPersonal(zip="10014"),
    ),
    "AddressRemoved": AddressRemoved(address_id=ADDRESS_ID),
    "CardAdded": CardAdded(
        card_id=CARD_ID,
        payment_token="CQPpTVEkrHFn7Go",
        status="ACTIVE",
        card_bin="411111",
        last_digits="1111",
        card_type="VI",
        card_category="CREDIT",
        card_expiry=CardExpiry(month=12, year=2050),
        fingerprint="fp1:" + "ab" * 32,
        default_card_indicator=False,
        billing_address_id=ADDRESS_ID,
        single_use_token=None,
        personal=CardPersonal(holder_name="MR. JOHN SMITH", nick_name="Visa"),
    ),
    "CardUpdated": CardUpdated(
        card_id=CARD_ID,
        card_expiry=CardExpiry(month=6, year=2055),
        billing_address_id=None,
        personal=CardPersonal(),
    ),
    "DefaultCardChanged": DefaultCardChanged(card_id=CARD_ID),
    "CardRemoved": CardRemoved(card_id=CARD_ID),
    "BankAccountAdded": BankAccountAdded(
        bank_account_id=BANK_ID,
        kind="ach",
        payment_token="DeZpXwrWtKIt8pN",
        status="ACTIVE",
        last_digits="67",
        fingerprint="fp1:" + "cd" * 32,
        account_type="CHECKING",
        billing_address_id=ADDRESS_ID,
        personal=BankAccountPersonal(
            account_holder_name="XYZ Business", routing_number="211589828"
        ),
    ),
    "BankAccountUpdated": BankAccountUpdated(
        bank_account_id=BANK_ID,
        account_type="SAVINGS",
        billing_address_id=ADDRESS_ID,
        personal=BankAccountPersonal(account_holder_name="XYZ"),
    ),
    "BankAccountRemoved": BankAccountRemoved(bank_account_id=BANK_ID),
    "MandateAdded": MandateAdded(
        mandate_id=MANDATE_ID,
        bank_account_id=BANK_ID,
        payment_token="MPYuiNEUsKG5Y3A",
        reference="SUBSCRIPTION103",
        status="PENDING",
        status_change_date="2026-11-26T22:00:00Z",
    ),
    "MandateStatusChanged": MandateStatusChanged(
        mandate_id=MANDATE_ID, status="CANCELLED", status_change_date="2026-11-27T09:00:00Z"
    ),
    "MandateRemoved": MandateRemoved(mandate_id=MANDATE_ID),
    "CardExpiryUpdatedByNetwork": CardExpiryUpdatedByNetwork(
        card_id=CARD_ID,
        card_expiry=CardExpiry(month=1, year=2031),
        message_id="visa-au-1",
        effective_at="2026-12-01T10:00:00.000000Z",
    ),
    "CardNumberReplacedByNetwork": CardNumberReplacedByNetwork(
        card_id=CARD_ID,
        card_bin="520040",
        last_digits="0009",
        card_type="MC",
        card_category="CREDIT",
        fingerprint="fp1:abc",
        card_expiry=None,
        message_id="mc-abu-2",
        effective_at="2026-12-01T11:00:00.000000Z",
    ),
    "CardClosedByNetwork": CardClosedByNetwork(
        card_id=CARD_ID, message_id="visa-au-3", effective_at="2026-12-01T12:00:00.000000Z"
    ),
}


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _committed(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return loaded


def _encode(event: Event, data_key: bytes) -> dict[str, Any]:
    new = EventCodec().encode(event, subject_id=PROFILE_ID, data_key=data_key, metadata=METADATA)
    payload: dict[str, Any] = msgspec.json.decode(new.data)
    return payload


def _sample(event_type: str) -> Event:
    try:
        return SAMPLES[event_type]
    except KeyError:
        pytest.fail(f"add a sample {event_type} event to SAMPLES")


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_has_a_schema(event_type: str) -> None:
    cls = EVENT_TYPES[event_type]
    name = schemas.event_file(cls)
    assert name in schemas.generate()
    assert (SCHEMA_DIR / name).is_file()
    _validator(_committed(name))


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_an_encoded_event_validates_against_its_stored_schema(event_type: str) -> None:
    event = _sample(event_type)
    payload = _encode(event, new_data_key())
    _validator(_committed(schemas.event_file(type(event)))).validate(payload)
    _validator(schemas.event_schema(type(event))).validate(payload)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_the_stored_schema_refuses_personal_data_in_the_clear(event_type: str) -> None:
    event = _sample(event_type)
    plain = msgspec.to_builtins(event)
    validator = _validator(_committed(schemas.event_file(type(event))))
    if plain.get(SEALED_FIELD) is None:
        assert schemas.sealed_type(type(event)) is None
        validator.validate(plain)  # nothing sealed: the stored payload is the plain one
    else:
        assert not validator.is_valid(plain)


@pytest.mark.parametrize(
    "event_type", sorted(t for t, cls in EVENT_TYPES.items() if schemas.sealed_type(cls))
)
def test_the_sealed_content_validates_against_the_personal_schema(event_type: str) -> None:
    event = _sample(event_type)
    data_key = new_data_key()
    sealed = _encode(event, data_key)[SEALED_FIELD]
    assert sealed["alg"] == SEAL_ALGORITHM
    # As the schema and docs/events.md describe it: base64 of nonce || ciphertext || tag, bound to
    # "<profile id>|<event type>".
    plaintext = open_sealed(
        data_key, base64.b64decode(sealed["ct"]), f"{PROFILE_ID}|{event_type}".encode()
    )
    opened = msgspec.json.decode(plaintext)
    assert opened == msgspec.to_builtins(getattr(event, SEALED_FIELD))
    _validator(_committed(schemas.personal_file(type(event)))).validate(opened)


@pytest.mark.parametrize(
    "event_type", sorted(t for t, cls in EVENT_TYPES.items() if schemas.sealed_type(cls))
)
def test_an_event_without_personal_data_validates_too(event_type: str) -> None:
    event = msgspec.structs.replace(_sample(event_type), **{SEALED_FIELD: None})
    payload = _encode(event, new_data_key())
    assert payload[SEALED_FIELD] is None
    _validator(_committed(schemas.event_file(type(event)))).validate(payload)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_the_kafka_value_validates_against_the_envelope_and_its_data_schema(
    event_type: str,
) -> None:
    event = _sample(event_type)
    new = EventCodec().encode(
        event, subject_id=PROFILE_ID, data_key=new_data_key(), metadata=METADATA
    )
    recorded = RecordedEvent(
        global_position=1042,
        tx_id=7,
        stream_id=profile_stream(PROFILE_ID),
        stream_version=3,
        event_id=new.event_id,
        event_type=new.event_type,
        schema_version=new.schema_version,
        data=new.data,
        metadata=new.metadata,
        recorded_at=dt.datetime.now(dt.UTC),
    )
    key, value, _ = kafka_record(recorded)
    assert key == str(PROFILE_ID).encode()
    envelope = json.loads(value)
    _validator(_committed(schemas.ENVELOPE_FILE)).validate(envelope)
    data_schema = f"{envelope['eventType']}.v{envelope['schemaVersion']}.json"
    _validator(_committed(data_schema)).validate(envelope["data"])


def test_the_envelope_schema_refuses_a_stringified_payload_and_a_foreign_stream() -> None:
    new = EventCodec().encode(
        SAMPLES["ProfileDeleted"], subject_id=PROFILE_ID, data_key=new_data_key(), metadata={}
    )
    envelope = {
        "eventId": str(new.event_id),
        "eventType": new.event_type,
        "schemaVersion": 1,
        "streamId": profile_stream(PROFILE_ID),
        "streamVersion": 1,
        "globalPosition": 1,
        "recordedAt": "2026-01-01T00:00:00Z",
        "metadata": METADATA,
        "data": json.loads(new.data),
    }
    validator = _validator(_committed(schemas.ENVELOPE_FILE))
    validator.validate(envelope)
    assert not validator.is_valid({**envelope, "data": new.data.decode()})
    assert not validator.is_valid({**envelope, "streamId": f"card-{PROFILE_ID}"})
    assert not validator.is_valid({**envelope, "metadata": {}}), "merchantId is required"


def test_the_envelope_schema_names_the_fields_of_the_real_envelope() -> None:
    documented = [f.encode_name for f in msgspec.structs.fields(schemas.KafkaEnvelope)]
    real = [f.encode_name for f in msgspec.structs.fields(KafkaEnvelope)]
    assert documented == real


# --- docs/schemas is up to date, and --check notices when it is not ------------------------------


def test_docs_schemas_is_up_to_date() -> None:
    problems = schemas.check(SCHEMA_DIR)
    assert problems == [], "run: python -m events.schemas --write docs/schemas"


def test_check_reports_changed_missing_and_stray_files(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    assert schemas.check(tmp_path) == []
    changed = tmp_path / schemas.event_file(ProfileCreated)
    changed.write_text(changed.read_text().replace('"profileId"', '"profileUuid"'))
    (tmp_path / schemas.ENVELOPE_FILE).unlink()
    (tmp_path / "RefundIssued.v1.json").write_text("{}")
    problems = schemas.check(tmp_path)
    assert len(problems) == 3
    assert any(p.startswith("ProfileCreated.v1.json: differs") for p in problems)
    assert any(p.startswith("envelope.json: missing") for p in problems)
    assert any(p.startswith("RefundIssued.v1.json: not generated") for p in problems)


def test_files_of_superseded_versions_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas.write(tmp_path)
    monkeypatch.setattr(ProfileCreated, "schema_version", 2)
    problems = schemas.check(tmp_path)
    # v1 stays valid for the events stored at v1; v2 must be written.
    assert problems == [
        "ProfileCreated.v2.json: missing",
        "ProfileCreated.v2.personal.json: missing",
    ]
    schemas.write(tmp_path)
    assert schemas.check(tmp_path) == []
    assert (tmp_path / "ProfileCreated.v1.json").is_file()


def test_the_command_line_writes_and_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert schemas.main(["--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(schemas.generate())
    assert schemas.main(["--check", str(tmp_path)]) == 0
    (tmp_path / schemas.event_file(AddressRemoved)).write_text("{}\n")
    assert schemas.main(["--check", str(tmp_path)]) == 1
    assert "AddressRemoved.v1.json: differs" in capsys.readouterr().err
