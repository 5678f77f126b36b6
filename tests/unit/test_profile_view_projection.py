"""The profile view projection: each event's row operations, exactly (statement and every
argument), with the documents the API serves."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, ClassVar

from events.types import (
    AddressAdded,
    AddressPersonal,
    AddressRemoved,
    AddressUpdated,
    BankAccountAdded,
    BankAccountRemoved,
    BankAccountUpdated,
    CardClosedByNetwork,
    CardExpiry,
    CardExpiryUpdatedByNetwork,
    CardNumberReplacedByNetwork,
    CardRemoved,
    CardUpdated,
    DateOfBirth,
    DefaultCardChanged,
    Event,
    MandateAdded,
    MandateRemoved,
    MandateStatusChanged,
    ProfileDeleted,
    ProfilePersonal,
    ProfileUpdated,
)
from projections import instrument_view, profile_view
from projections.rows import EventContext, RowOp
from tests.builders import card_added, profile_created

P, M = uuid.uuid4(), uuid.uuid4()
ADDRESS, CARD, ACCOUNT, MANDATE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
CTX = EventContext(f"profile-{P}", 7, P, M, NOW)
TOUCH = RowOp("profile_view_touch", (P, 7, NOW))


def project(event: Event) -> list[RowOp]:
    return profile_view.project(event, CTX)


def with_document(op: RowOp, at: int) -> RowOp:
    """``op`` with its JSON argument at ``at`` decoded, to compare with a dict."""
    args = list(op.args)
    args[at] = json.loads(args[at])
    return RowOp(op.statement, tuple(args))


def test_a_created_profile_is_inserted_with_its_whole_document() -> None:
    personal = ProfilePersonal(
        "c1",
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=DateOfBirth(1815, 12, 10),
        email="ada@example.com",
        cell_phone="+44 20 7946 0000",
    )
    created = profile_created(
        profile_id=P, status="INACTIVE", locale="fr_CA", personal=personal, payment_token="Ptok"
    )
    [insert] = project(created)
    assert with_document(insert, 5) == RowOp(
        "profile_view_insert",
        (
            P,
            created.merchant_id,
            "c1",
            "Ptok",
            7,
            {
                "id": str(P),
                "paymentToken": "Ptok",
                "status": "INACTIVE",
                "locale": "fr_CA",
                "merchantCustomerId": "c1",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "dateOfBirth": {"year": 1815, "month": 12, "day": 10},
                "email": "ada@example.com",
                "cellPhone": "+44 20 7946 0000",
            },
            NOW,
        ),
    )


def test_a_created_profile_whose_key_is_shredded_has_no_customer_id() -> None:
    created = profile_created(profile_id=P, merchant_id=M, personal=None)
    assert [with_document(op, 5) for op in project(created)] == [
        RowOp(
            "profile_view_insert",
            (
                P,
                M,
                "",
                "Ptok",
                7,
                {"id": str(P), "paymentToken": "Ptok", "status": "ACTIVE", "locale": "en_US"},
                NOW,
            ),
        )
    ]


def test_an_updated_profile_replaces_its_attributes() -> None:
    updated = ProfileUpdated(
        status="ACTIVE", locale="en_GB", personal=ProfilePersonal("c2", gender="F", ip="10.0.0.1")
    )
    assert [with_document(op, 3) for op in project(updated)] == [
        RowOp(
            "profile_view_update",
            (
                P,
                "c2",
                7,
                {
                    "status": "ACTIVE",
                    "locale": "en_GB",
                    "merchantCustomerId": "c2",
                    "ip": "10.0.0.1",
                    "gender": "F",
                },
                NOW,
            ),
        )
    ]
    shredded = ProfileUpdated(status="INACTIVE", locale="en_US", personal=None)
    assert [with_document(op, 3) for op in project(shredded)] == [
        RowOp("profile_view_update", (P, "", 7, {"status": "INACTIVE", "locale": "en_US"}, NOW))
    ]


def test_a_deleted_profile_takes_its_instruments_and_addresses_along() -> None:
    assert project(ProfileDeleted(profile_id=P)) == [
        RowOp("instrument_views_delete_profile", (P,)),
        RowOp("address_view_delete_profile", (P,)),
        RowOp("profile_view_delete", (P,)),
    ]


FULL_ADDRESS = AddressPersonal(
    nick_name="home",
    street="1 Main St",
    street2="Apt 2",
    city="Toronto",
    state="ON",
    zip="M5H 2N2",
    recipient_name="Ada",
    phone="+1 416 555 0100",
)
# Paysafe's key order: the API answers with the document as built.
ADDRESS_DOCUMENT: dict[str, Any] = {
    "id": str(ADDRESS),
    "nickName": "home",
    "street": "1 Main St",
    "street2": "Apt 2",
    "city": "Toronto",
    "country": "CA",
    "state": "ON",
    "zip": "M5H 2N2",
    "recipientName": "Ada",
    "phone": "+1 416 555 0100",
    "defaultShippingAddressIndicator": True,
    "status": "ACTIVE",
}


def test_an_added_address_is_inserted_with_its_whole_document_in_paysafe_order() -> None:
    added = AddressAdded(
        address_id=ADDRESS,
        status="ACTIVE",
        country="CA",
        default_shipping_address_indicator=True,
        personal=FULL_ADDRESS,
    )
    insert, touch = project(added)
    assert with_document(insert, 4) == RowOp(
        "address_view_insert", (ADDRESS, P, M, 7, ADDRESS_DOCUMENT)
    )
    assert list(json.loads(insert.args[4])) == list(ADDRESS_DOCUMENT)
    assert touch == TOUCH


def test_an_updated_address_replaces_its_document() -> None:
    updated = AddressUpdated(
        address_id=ADDRESS,
        status="ACTIVE",
        country="CA",
        default_shipping_address_indicator=True,
        personal=FULL_ADDRESS,
    )
    update, touch = project(updated)
    assert with_document(update, 1) == RowOp("address_view_update", (ADDRESS, ADDRESS_DOCUMENT))
    assert list(json.loads(update.args[1])) == list(ADDRESS_DOCUMENT)
    assert touch == TOUCH
    shredded = AddressUpdated(
        address_id=ADDRESS,
        status="ACTIVE",
        country="GB",
        default_shipping_address_indicator=False,
        personal=None,
    )
    assert [with_document(op, 1) for op in project(shredded)[:1]] == [
        RowOp(
            "address_view_update",
            (
                ADDRESS,
                {
                    "id": str(ADDRESS),
                    "country": "GB",
                    "defaultShippingAddressIndicator": False,
                    "status": "ACTIVE",
                },
            ),
        )
    ]


def test_a_removed_address_is_unlinked_from_the_instruments() -> None:
    assert project(AddressRemoved(address_id=ADDRESS)) == [
        RowOp("address_view_delete", (ADDRESS,)),
        RowOp("instrument_views_unlink_address", (P, ADDRESS)),
        TOUCH,
    ]


INSTRUMENT_EVENTS: list[Event] = [
    card_added(card_id=CARD),
    CardUpdated(
        card_id=CARD,
        card_expiry=CardExpiry(month=1, year=2040),
        billing_address_id=None,
        personal=None,
    ),
    DefaultCardChanged(card_id=CARD),
    CardRemoved(card_id=CARD),
    CardExpiryUpdatedByNetwork(
        card_id=CARD, card_expiry=CardExpiry(month=2, year=2041), message_id="m", effective_at="e"
    ),
    CardNumberReplacedByNetwork(
        card_id=CARD,
        card_bin="555555",
        last_digits="4444",
        card_type="MC",
        card_category="CREDIT",
        fingerprint="fp",
        card_expiry=None,
        message_id="m",
        effective_at="e",
    ),
    CardClosedByNetwork(card_id=CARD, message_id="m", effective_at="e"),
    BankAccountAdded(
        bank_account_id=ACCOUNT,
        kind="sepa",
        payment_token="Dtok",
        status="ACTIVE",
        last_digits="00",
        fingerprint="fp",
        account_type=None,
        billing_address_id=None,
        personal=None,
    ),
    BankAccountUpdated(
        bank_account_id=ACCOUNT, account_type=None, billing_address_id=None, personal=None
    ),
    BankAccountRemoved(bank_account_id=ACCOUNT),
    MandateAdded(
        mandate_id=MANDATE,
        bank_account_id=ACCOUNT,
        payment_token="Mtok",
        reference="R",
        status="PENDING",
        status_change_date="2026-01-02T00:00:00Z",
    ),
    MandateStatusChanged(mandate_id=MANDATE, status="ACTIVE", status_change_date="d"),
    MandateRemoved(mandate_id=MANDATE),
]


def test_an_instrument_event_writes_its_instrument_rows_then_touches_the_profile() -> None:
    """Each instrument event's own rows are in test_instrument_projection.py."""
    assert project(DefaultCardChanged(card_id=CARD)) == [
        RowOp("card_view_default", (P, CARD)),
        TOUCH,
    ]
    for event in INSTRUMENT_EVENTS:
        rows = instrument_view.project(event, CTX)
        assert rows is not None, event
        assert project(event) == [*rows, TOUCH], event


class _NewerEvent(Event, frozen=True, kw_only=True):
    """An event type the profile view has no rows for (one added to the store later)."""

    event_type: ClassVar[str] = "NewerEvent"


def test_an_event_without_profile_rows_writes_nothing() -> None:
    assert project(_NewerEvent()) == []
