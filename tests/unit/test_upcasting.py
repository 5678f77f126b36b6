"""Upcasters lift a stored payload one version at a time, in order, up to the code's version; a
payload newer than the code, or a version without an upcaster, is refused with a message naming the
event type and both versions."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from events.types import CardNumberReplacedByNetwork
from events.upcasting import UPCASTERS, Payload, UnknownSchemaVersion, Upcasters


def three_steps() -> tuple[Upcasters, list[str]]:
    upcasters, ran = Upcasters(), []
    for version in (1, 2, 3):

        @upcasters.register("CardAdded", version)
        def step(payload: Payload, version: int = version) -> Payload:
            ran.append(f"v{version}")
            return {**payload, "steps": [*payload.get("steps", []), version]}

    return upcasters, ran


def test_each_version_is_lifted_by_its_own_step_in_order() -> None:
    upcasters, ran = three_steps()
    assert upcasters.upcast("CardAdded", 1, 4, {"a": 1}) == {"a": 1, "steps": [1, 2, 3]}
    assert ran == ["v1", "v2", "v3"]
    assert upcasters.upcast("CardAdded", 2, 4, {}) == {"steps": [2, 3]}
    assert upcasters.upcast("CardAdded", 3, 3, {"a": 1}) == {"a": 1}  # current: untouched


def test_a_registered_step_is_returned_unchanged_for_direct_use() -> None:
    upcasters = Upcasters()

    def lift(payload: Payload) -> Payload:
        return payload

    assert upcasters.register("CardAdded", 1)(lift) is lift


def test_a_payload_newer_than_the_code_is_refused() -> None:
    upcasters, ran = three_steps()
    with pytest.raises(UnknownSchemaVersion) as refused:
        upcasters.upcast("CardAdded", 5, 4, {})
    assert str(refused.value) == "CardAdded v5 is newer than this code (v4)"
    assert ran == []


def test_a_version_without_an_upcaster_is_refused_with_the_missing_step() -> None:
    upcasters, _ = three_steps()
    with pytest.raises(UnknownSchemaVersion) as refused:
        upcasters.upcast("CardAdded", 1, 5, {})
    assert str(refused.value) == "no upcaster for CardAdded v4"
    with pytest.raises(UnknownSchemaVersion) as refused:
        upcasters.upcast("CardRemoved", 1, 2, {})  # steps are per event type
    assert str(refused.value) == "no upcaster for CardRemoved v1"


def test_the_production_registry_lifts_only_what_changed_shape() -> None:
    assert UPCASTERS.upcast("ProfileCreated", 1, 1, {"x": 1}) == {"x": 1}
    with pytest.raises(UnknownSchemaVersion):
        UPCASTERS.upcast("ProfileCreated", 1, 2, {})


def test_a_v1_card_replacement_is_lifted_with_an_unknown_category() -> None:
    stored = {"cardId": "c", "cardBin": "400000", "lastDigits": "0002", "cardType": "VI"}
    lifted = UPCASTERS.upcast("CardNumberReplacedByNetwork", 1, 2, stored)
    assert lifted == {**stored, "cardCategory": None}
    assert "cardCategory" not in stored  # the stored payload is never changed


def test_a_stored_v1_card_replacement_decodes_and_keeps_the_cards_category() -> None:
    v1 = {
        "cardId": str(uuid.uuid4()),
        "cardBin": "402600",
        "lastDigits": "0007",
        "cardType": "VE",
        "fingerprint": "fp",
        "cardExpiry": None,
        "messageId": "m",
        "effectiveAt": "2026-01-01T00:00:00Z",
    }
    lifted = UPCASTERS.upcast("CardNumberReplacedByNetwork", 1, 2, v1)
    event = msgspec.convert(lifted, CardNumberReplacedByNetwork)
    assert event.card_type == "VE" and event.card_category is None
