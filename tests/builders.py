"""Events with plausible masked values, for tests that care about a few fields: the keyword
arguments name those, the rest keeps these defaults."""

from __future__ import annotations

import uuid
from typing import Any

from events.types import CardAdded, CardExpiry, ProfileCreated, ProfilePersonal


def card_added(**changes: Any) -> CardAdded:
    card: dict[str, Any] = {
        "card_id": uuid.uuid4(),
        "payment_token": "CQPpTVEkrHFn7Go",
        "status": "ACTIVE",
        "card_bin": "411111",
        "last_digits": "1111",
        "card_type": "VI",
        "card_category": "CREDIT",
        "card_expiry": CardExpiry(month=12, year=2050),
        "fingerprint": "fp",
        "default_card_indicator": True,
        "billing_address_id": None,
        "single_use_token": None,
        "personal": None,
    }
    return CardAdded(**{**card, **changes})


def profile_created(**changes: Any) -> ProfileCreated:
    profile: dict[str, Any] = {
        "profile_id": uuid.uuid4(),
        "merchant_id": uuid.uuid4(),
        "payment_token": "Ptok",
        "status": "ACTIVE",
        "locale": "en_US",
        "personal": ProfilePersonal(merchant_customer_id="c1"),
    }
    return ProfileCreated(**{**profile, **changes})
