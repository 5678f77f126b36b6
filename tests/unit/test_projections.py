"""The customer search projection: events in, row operations out (the profile view's are in
test_profile_view_projection.py and test_instrument_projection.py)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from events.types import AddressRemoved, ProfileDeleted, ProfilePersonal, ProfileUpdated
from projections import customer_search
from projections.rows import EventContext, RowOp
from tests.builders import profile_created

P, M = uuid.uuid4(), uuid.uuid4()
NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
PERSONAL = ProfilePersonal(
    "c1",
    first_name=" Ada ",
    last_name="Lovelace",
    email="Ada@Example.COM",
    phone="+1 (416) 555-0100",
)

CREATED = profile_created(profile_id=P, merchant_id=M, personal=PERSONAL)


def ctx(version: int) -> EventContext:
    return EventContext(f"profile-{P}", version, P, M, NOW)


def test_customer_search_normalises() -> None:
    [row] = customer_search.project(
        CREATED,
        ctx(1),
    )
    _, merchant, customer_id, email, full_name, phones, document, _ = row.args
    assert (merchant, customer_id, email, full_name, phones) == (
        M,
        "c1",
        "ada@example.com",
        "ada lovelace",
        ["14165550100"],
    )
    assert json.loads(document)["email"] == "Ada@Example.COM"
    # Shredded history (personal None) indexes nothing; deletion removes the row.
    assert (
        customer_search.project(
            ProfileUpdated(status="ACTIVE", locale="en_US", personal=None), ctx(2)
        )
        == []
    )
    assert customer_search.project(ProfileDeleted(profile_id=P), ctx(3)) == [
        RowOp("customer_search_delete", (P,))
    ]
    assert customer_search.project(AddressRemoved(address_id=uuid.uuid4()), ctx(4)) == []


def test_customer_search_row_holds_the_summary_and_every_phone() -> None:
    """The summary shows the searchable fields only (never date of birth, ip or gender), the
    phones are both numbers' digits, deduplicated, and a name made of a middle name alone counts."""
    personal = ProfilePersonal(
        "c2",
        first_name="Ada",
        middle_name="King",
        last_name="Lovelace",
        email="a@b.c",
        phone="+44 20 7946 0000",
        cell_phone="(020) 7946-0001",
        ip="10.0.0.1",
        gender="F",
        nationality="GB",
    )
    [row] = customer_search.project(
        ProfileUpdated(status="INACTIVE", locale="en_GB", personal=personal), ctx(5)
    )
    assert row.statement == "customer_search_upsert"
    profile, merchant, customer_id, email, full_name, phones, document, recorded = row.args
    assert (profile, merchant, customer_id, recorded) == (P, M, "c2", NOW)
    assert (email, full_name, phones) == (
        "a@b.c",
        "ada king lovelace",
        ["02079460001", "442079460000"],
    )
    assert json.loads(document) == {
        "id": str(P),
        "status": "INACTIVE",
        "merchantCustomerId": "c2",
        "firstName": "Ada",
        "middleName": "King",
        "lastName": "Lovelace",
        "email": "a@b.c",
        "phone": "+44 20 7946 0000",
        "cellPhone": "(020) 7946-0001",
    }
    # No name, e-mail or phone at all: the row still exists, with nothing to match.
    [bare] = customer_search.project(
        ProfileUpdated(status="ACTIVE", locale="en_GB", personal=ProfilePersonal("c3")), ctx(6)
    )
    assert bare.args[3:6] == (None, None, [])
    [symbols] = customer_search.project(
        ProfileUpdated(
            status="ACTIVE", locale="en_GB", personal=ProfilePersonal("c4", phone="n/a")
        ),
        ctx(7),
    )
    assert symbols.args[5] == []  # a phone with no digit is no phone
