"""The card-updates topic's records: what `vault updater` accepts and what it skips as malformed."""

from __future__ import annotations

import json
import uuid

import pytest

from events.card_updates import decode
from service.application.network_updates import effective_text

BASE = {"messageId": "m1", "merchantId": str(uuid.uuid4()), "effectiveAt": "2026-12-01T10:00:00Z"}


def test_an_update_targets_one_card_and_changes_something() -> None:
    update = decode(
        json.dumps({**BASE, "paymentToken": "Ctok", "cardNum": "5200400000000009"}).encode()
    )
    assert update is not None and update.card_num == "5200400000000009"
    closure = decode(json.dumps({**BASE, "fingerprint": "fp1:ab", "closed": True}).encode())
    assert closure is not None and closure.closed


@pytest.mark.parametrize(
    "record",
    [
        {**BASE, "cardNum": "5200400000000009"},  # no card named
        {**BASE, "paymentToken": "C", "fingerprint": "fp", "closed": True},  # two
        {**BASE, "paymentToken": "Ctok"},  # nothing changes
        {**BASE, "paymentToken": "Ctok", "closed": True, "effectiveAt": "2026-12-01T10:00:00"},
        {**BASE, "paymentToken": "Ctok", "cardNum": "5200-4000"},
        {**BASE, "paymentToken": "Ctok", "cardExpiry": {"month": 13, "year": 2030}},
    ],
)
def test_malformed_records_are_skipped(record: dict[str, object]) -> None:
    assert decode(json.dumps(record).encode()) is None


def test_effective_times_compare_as_text_in_utc() -> None:
    update = decode(
        json.dumps(
            {
                **BASE,
                "paymentToken": "C",
                "closed": True,
                "effectiveAt": "2026-12-01T12:00:00+02:00",
            }
        ).encode()
    )
    later = decode(
        json.dumps(
            {**BASE, "paymentToken": "C", "closed": True, "effectiveAt": "2026-12-01T10:00:00.5Z"}
        ).encode()
    )
    assert update is not None and later is not None
    assert effective_text(update.effective_at) == "2026-12-01T10:00:00.000000Z"
    assert effective_text(update.effective_at) < effective_text(later.effective_at)
