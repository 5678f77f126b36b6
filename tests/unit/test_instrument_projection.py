"""The instrument rows of the profile view: each instrument event's row operation, exactly, with the
document the API serves (masked data and tokens only)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from events.types import (
    BankAccountAdded,
    BankAccountPersonal,
    BankAccountRemoved,
    BankAccountUpdated,
    CardClosedByNetwork,
    CardExpiry,
    CardExpiryUpdatedByNetwork,
    CardNumberReplacedByNetwork,
    CardPersonal,
    CardRemoved,
    CardUpdated,
    DefaultCardChanged,
    MandateAdded,
    MandateRemoved,
    MandateStatusChanged,
    ProfileDeleted,
)
from projections import instrument_view
from projections.rows import EventContext, RowOp
from tests.builders import card_added

P, M = uuid.uuid4(), uuid.uuid4()
CARD, ACCOUNT, MANDATE, ADDRESS = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
CTX = EventContext(f"profile-{P}", 7, P, M, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))


def one(event: object) -> RowOp:
    rows = instrument_view.project(event, CTX)  # type: ignore[arg-type]
    assert rows is not None and len(rows) == 1, rows
    return rows[0]


def document(op: RowOp) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(op.args[-1])
    return loaded


def test_a_card_added_is_inserted_with_its_masked_document() -> None:
    op = one(
        card_added(
            card_id=CARD,
            payment_token="Ctok",
            card_expiry=CardExpiry(month=4, year=2031),
            billing_address_id=ADDRESS,
            personal=CardPersonal(holder_name="ADA", nick_name="n"),
        )
    )
    assert op.statement == "card_view_insert"
    assert op.args[:5] == (CARD, P, M, 7, "Ctok")
    assert document(op) == {
        "status": "ACTIVE",
        "id": str(CARD),
        "cardBin": "411111",
        "lastDigits": "1111",
        "cardExpiry": {"year": 2031, "month": 4},
        "cardType": "VI",
        "cardCategory": "CREDIT",
        "paymentToken": "Ctok",
        "defaultCardIndicator": True,
        "billingAddressId": str(ADDRESS),
        "holderName": "ADA",
        "nickName": "n",
    }
    assert list(document(op))[:2] == ["status", "id"]  # Paysafe's key order


def test_a_card_made_from_a_single_use_token_keeps_it_last_in_its_document() -> None:
    op = one(
        card_added(
            card_id=CARD,
            payment_token="Ctok",
            single_use_token="SCO1BzeE9SLeGEHW",
            personal=CardPersonal(holder_name="ADA", merchant_ref_num="r1"),
        )
    )
    assert op.statement == "card_view_insert"
    assert op.args[:5] == (CARD, P, M, 7, "Ctok")
    # Paysafe's key order: the card create answers with this document as built.
    assert list(document(op).items()) == [
        ("status", "ACTIVE"),
        ("id", str(CARD)),
        ("holderName", "ADA"),
        ("merchantRefNum", "r1"),
        ("cardBin", "411111"),
        ("lastDigits", "1111"),
        ("cardExpiry", {"year": 2050, "month": 12}),
        ("cardType", "VI"),
        ("cardCategory", "CREDIT"),
        ("paymentToken", "Ctok"),
        ("defaultCardIndicator", True),
        ("singleUseToken", "SCO1BzeE9SLeGEHW"),
    ]


def test_network_updates_patch_only_what_they_carry() -> None:
    expiry = one(
        CardExpiryUpdatedByNetwork(
            card_id=CARD,
            card_expiry=CardExpiry(month=3, year=2034),
            message_id="msg-1",
            effective_at="2026-03-01T00:00:00Z",
        )
    )
    assert (expiry.statement, expiry.args[:-1]) == ("card_view_patch", (CARD,))
    assert document(expiry) == {"cardExpiry": {"year": 2034, "month": 3}}
    replaced = one(
        CardNumberReplacedByNetwork(
            card_id=CARD,
            card_bin="555555",
            last_digits="4444",
            card_type="MC",
            card_category="CREDIT",
            fingerprint="fp2",
            card_expiry=CardExpiry(month=8, year=2035),
            message_id="msg-2",
            effective_at="2026-03-02T00:00:00Z",
        )
    )
    assert (replaced.statement, replaced.args[:-1]) == ("card_view_patch", (CARD,))
    assert document(replaced) == {
        "cardBin": "555555",
        "lastDigits": "4444",
        "cardType": "MC",
        "cardCategory": "CREDIT",
        "cardExpiry": {"year": 2035, "month": 8},
    }
    same_expiry = one(
        CardNumberReplacedByNetwork(
            card_id=CARD,
            card_bin="222300",
            last_digits="0005",
            card_type="MC",
            card_category=None,  # not known from the BIN: the stored category stays
            fingerprint="fp3",
            card_expiry=None,
            message_id="msg-3",
            effective_at="2026-03-03T00:00:00Z",
        )
    )
    assert (same_expiry.statement, same_expiry.args[:-1]) == ("card_view_patch", (CARD,))
    assert document(same_expiry) == {"cardBin": "222300", "lastDigits": "0005", "cardType": "MC"}
    closed = one(CardClosedByNetwork(card_id=CARD, message_id="msg-4", effective_at="e"))
    assert closed == RowOp("card_view_delete", (CARD,))


def test_card_changes_replace_default_and_delete() -> None:
    update = one(
        CardUpdated(
            card_id=CARD,
            card_expiry=CardExpiry(month=5, year=2032),
            billing_address_id=None,
            personal=CardPersonal(nick_name="m"),
        )
    )
    assert (update.statement, update.args[0]) == ("card_view_replace", CARD)
    assert document(update) == {"cardExpiry": {"year": 2032, "month": 5}, "nickName": "m"}
    linked = one(
        CardUpdated(
            card_id=CARD,
            card_expiry=CardExpiry(month=5, year=2032),
            billing_address_id=ADDRESS,
            personal=None,
        )
    )
    assert document(linked) == {
        "cardExpiry": {"year": 2032, "month": 5},
        "billingAddressId": str(ADDRESS),
    }
    assert one(DefaultCardChanged(card_id=CARD)) == RowOp("card_view_default", (P, CARD))
    assert one(DefaultCardChanged(card_id=None)) == RowOp("card_view_default", (P, None))
    assert one(CardRemoved(card_id=CARD)) == RowOp("card_view_delete", (CARD,))


def test_bank_account_rows() -> None:
    added = one(
        BankAccountAdded(
            bank_account_id=ACCOUNT,
            kind="bacs",
            payment_token="Dtok",
            status="ACTIVE",
            last_digits="11",
            fingerprint="fp",
            account_type=None,
            billing_address_id=ADDRESS,
            personal=BankAccountPersonal(account_holder_name="Ada", sort_code="207405"),
        )
    )
    assert added.statement == "bank_account_view_insert"
    assert added.args[:6] == (ACCOUNT, P, M, "bacs", 7, "Dtok")
    assert document(added) == {
        "id": str(ACCOUNT),
        "status": "ACTIVE",
        "lastDigits": "11",
        "paymentToken": "Dtok",
        "billingAddressId": str(ADDRESS),
        "accountHolderName": "Ada",
        "sortCode": "207405",
    }
    updated = one(
        BankAccountUpdated(
            bank_account_id=ACCOUNT,
            account_type="SAVINGS",
            billing_address_id=None,
            personal=BankAccountPersonal(nick_name="n"),
        )
    )
    assert (updated.statement, updated.args[0]) == ("bank_account_view_replace", ACCOUNT)
    assert document(updated) == {"accountType": "SAVINGS", "nickName": "n"}
    relinked = one(
        BankAccountUpdated(
            bank_account_id=ACCOUNT, account_type=None, billing_address_id=ADDRESS, personal=None
        )
    )
    assert (relinked.statement, relinked.args[:-1]) == ("bank_account_view_replace", (ACCOUNT,))
    assert document(relinked) == {"billingAddressId": str(ADDRESS)}
    removed = one(BankAccountRemoved(bank_account_id=ACCOUNT))
    assert removed == RowOp("bank_account_view_delete", (ACCOUNT,))


def test_mandate_rows() -> None:
    added = one(
        MandateAdded(
            mandate_id=MANDATE,
            bank_account_id=ACCOUNT,
            payment_token="Mtok",
            reference="REF1",
            status="PENDING",
            status_change_date="2026-01-02",
        )
    )
    assert added.statement == "mandate_view_insert"
    assert added.args[:6] == (MANDATE, P, M, ACCOUNT, 7, "Mtok")
    assert document(added) == {
        "id": str(MANDATE),
        "reference": "REF1",
        "bankAccountId": str(ACCOUNT),
        "status": "PENDING",
        "statusChangeDate": "2026-01-02",
        "paymentToken": "Mtok",
    }
    changed = one(
        MandateStatusChanged(mandate_id=MANDATE, status="ACTIVE", status_change_date="2026-02-03")
    )
    assert changed == RowOp("mandate_view_status", (MANDATE, "ACTIVE", "2026-02-03"))
    assert one(MandateRemoved(mandate_id=MANDATE)) == RowOp("mandate_view_delete", (MANDATE,))


def test_other_events_are_not_instrument_rows() -> None:
    assert instrument_view.project(ProfileDeleted(profile_id=P), CTX) is None
