"""JSON Schemas (draft 2020-12) of what the event store holds and the relay publishes.

For every event type at its current schema version, two files describe the *stored* shape:

* ``<EventType>.v<N>.json``: the payload as it sits in ``vault.events.data`` and in the ``data``
  field of a Kafka record. Its ``personal`` field is the sealed object ``{"alg", "ct"}``, never the
  plaintext (see ``events.codec``).
* ``<EventType>.v<N>.personal.json``: the JSON that ``ct`` decrypts to, for types that seal one.

Plus ``envelope.json``, the JSON value of a Kafka record (``events.envelope.KafkaEnvelope``).

The schemas are generated from the event structs, so they cannot describe a shape the code does not
write. Files of superseded schema versions stay in the directory unchanged: Kafka keeps every event
as it was stored, old versions included, and readers need their schemas.

    python -m events.schemas --write docs/schemas   # (re)write the files
    python -m events.schemas --check docs/schemas   # exit 1 when they differ from the code
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import re
import sys
import typing
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from events.card_updates import CARD_UPDATES_FILE, CardUpdate
from events.codec import SEALED_FIELD
from events.types import EVENT_TYPES, Event

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_FILE = "envelope.json"
_BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_FILE = re.compile(r"(?P<type>[A-Za-z0-9]+)\.v(?P<version>[0-9]+)(?:\.personal)?\.json")


class SealedPersonal(msgspec.Struct, frozen=True):
    """Personal data sealed with the profile's own data key (crypto-shredding: deleting the profile
    destroys the key, and with it every copy of this field).

    ``ct`` is base64 of nonce (12 bytes) || AES-256-GCM ciphertext || tag (16 bytes); the associated
    data is "<profile id>|<event type>", so a blob moved to another profile or event type does not
    open. The plaintext is the JSON described by <EventType>.v<N>.personal.json."""

    alg: Literal["A256GCM"]
    ct: Annotated[
        str,
        Meta(
            min_length=40,  # nonce and tag alone are 28 bytes
            pattern=_BASE64,
            extra_json_schema={"contentEncoding": "base64"},
        ),
    ]


class EventMetadata(msgspec.Struct, kw_only=True, rename="camel"):
    """Who caused the event. Further keys may appear; readers ignore what they do not know."""

    merchant_id: Annotated[uuid.UUID, Meta(description="The merchant (tenant) owning the stream.")]
    request_id: (
        Annotated[str | None, Meta(description="The API request's X-Request-Id.")] | UnsetType
    ) = UNSET
    key_id: Annotated[str, Meta(description="The API key id of the caller.")] | UnsetType = UNSET


class KafkaEnvelope(msgspec.Struct, kw_only=True, rename="camel"):
    """The JSON value of a record on the profile-events topic. The record key is the profile id; the
    ce_* headers repeat the envelope's identifying fields (see docs/events.md)."""

    event_id: Annotated[uuid.UUID, Meta(description="Unique per event; a dedupe key.")]
    event_type: Annotated[str, Meta(description="Names the payload schema, with schemaVersion.")]
    schema_version: Annotated[int, Meta(ge=1, description="Version of the payload's shape.")]
    stream_id: Annotated[
        str, Meta(pattern=f"^profile-{_UUID}$", description='"profile-" and the profile id.')
    ]
    stream_version: Annotated[
        int,
        Meta(
            ge=1,
            description="1, 2, 3, ... within the stream: the per-profile order and the dedupe key.",
        ),
    ]
    global_position: Annotated[
        int,
        Meta(
            ge=1,
            description="Store-wide sequence number. Unique, but NOT in commit order across "
            "streams: never use it as a checkpoint.",
        ),
    ]
    recorded_at: Annotated[
        dt.datetime,
        Meta(description="When it was stored (UTC).", extra_json_schema={"format": "date-time"}),
    ]
    metadata: EventMetadata
    data: Annotated[
        dict[str, Any],
        Meta(
            description="The stored payload verbatim (a JSON object, not a string), personal data "
            "still sealed; schema <eventType>.v<schemaVersion>.json."
        ),
    ]


def _has_none(tp: Any) -> bool:
    return type(None) in typing.get_args(tp)


def _without_none(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0] if len(args) == 1 else tp


def stored_type(cls: type[Event]) -> type[msgspec.Struct]:
    """A struct of the payload as stored: the event's fields, with ``personal`` sealed."""
    specs: list[tuple[Any, ...]] = []
    fields = msgspec.structs.fields(cls)
    for f in fields:
        tp = f.type
        if f.name == SEALED_FIELD:
            tp = SealedPersonal | None if _has_none(tp) else SealedPersonal
        if f.required:
            specs.append((f.name, tp))
        elif f.default_factory is not msgspec.NODEFAULT:
            specs.append((f.name, tp, msgspec.field(default_factory=f.default_factory)))
        else:
            specs.append((f.name, tp, f.default))
    doc = inspect.cleandoc(cls.__doc__ or "")
    return msgspec.defstruct(
        cls.__name__,
        specs,
        kw_only=True,
        rename={f.name: f.encode_name for f in fields},
        namespace={"__doc__": doc or None},
        module=__name__,
    )


def sealed_type(cls: type[Event]) -> Any | None:
    """The plaintext type sealed in ``personal``, or None when the event type has no such field."""
    for f in msgspec.structs.fields(cls):
        if f.name == SEALED_FIELD:
            return _without_none(f.type)
    return None


def _clean(node: Any) -> Any:
    """Docstrings become descriptions; drop their source indentation."""
    if isinstance(node, dict):
        return {
            k: inspect.cleandoc(v) if k == "description" and isinstance(v, str) else _clean(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def _document(tp: Any, title: str, description: str) -> dict[str, Any]:
    generated = _clean(msgspec.json.schema(tp))
    return {"$schema": DIALECT, "title": title, "description": description, **generated}


def event_file(cls: type[Event]) -> str:
    return f"{cls.event_type}.v{cls.schema_version}.json"


def personal_file(cls: type[Event]) -> str:
    return f"{cls.event_type}.v{cls.schema_version}.personal.json"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    description = (
        f"The stored payload of {cls.event_type} events, schema version {cls.schema_version}: "
        "the `data` of the event store row and of the Kafka envelope."
    )
    if sealed_type(cls) is not None:
        description += f" `personal` is sealed; its plaintext is {personal_file(cls)}."
    return _document(stored_type(cls), f"{cls.event_type} v{cls.schema_version}", description)


def personal_schema(cls: type[Event]) -> dict[str, Any] | None:
    plaintext = sealed_type(cls)
    if plaintext is None:
        return None
    return _document(
        plaintext,
        f"{cls.event_type} v{cls.schema_version}: personal (opened)",
        f"The JSON inside the sealed `personal` of {event_file(cls)}, once decrypted with the "
        "profile's data key. Absent fields are omitted.",
    )


def envelope_schema() -> dict[str, Any]:
    return _document(
        KafkaEnvelope,
        "Kafka envelope",
        "The JSON value of every record on the profile-events topic.",
    )


def _render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """Every schema file of the current code: file name -> content."""
    files = {
        ENVELOPE_FILE: _render(envelope_schema()),
        CARD_UPDATES_FILE: _render(
            _document(
                CardUpdate,
                "Card update from a network",
                "The JSON value of a record on customervault.card-updates.v1 (account updater). "
                "It may hold a new card number: see docs/token-service.md for the topic's ACLs "
                "and retention.",
            )
        ),
    }
    for cls in EVENT_TYPES.values():
        files[event_file(cls)] = _render(event_schema(cls))
        personal = personal_schema(cls)
        if personal is not None:
            files[personal_file(cls)] = _render(personal)
    return files


def _superseded(name: str) -> bool:
    """A frozen file of an older schema version of a known event type."""
    match = _FILE.fullmatch(name)
    if match is None or match["type"] not in EVENT_TYPES:
        return False
    return int(match["version"]) < EVENT_TYPES[match["type"]].schema_version


def check(directory: Path) -> list[str]:
    """What in ``directory`` differs from the generated schemas (empty when up to date)."""
    problems = []
    expected = generate()
    for name, text in expected.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: differs from the schema the code generates")
    for path in sorted(directory.glob("*.json")):
        if path.name not in expected and not _superseded(path.name):
            problems.append(f"{path.name}: not generated by this code (stale?)")
    return problems


def write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    files = generate()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return sorted(files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m events.schemas", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", type=Path, help="write the schema files")
    mode.add_argument("--check", metavar="DIR", type=Path, help="exit 1 if DIR is not up to date")
    args = parser.parse_args(argv)
    if args.write is not None:
        for name in write(args.write):
            print(f"wrote {args.write / name}")
        return 0
    problems = check(args.check)
    for problem in problems:
        print(f"{args.check}/{problem}", file=sys.stderr)
    if problems:
        print("run: python -m events.schemas --write " + str(args.check), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
