"""The in-memory fold of a view's row operations (the rebuild's bulk path): every statement has a
fold, and the folds do what their SQL does to rows and top-level document keys. That a folded view
equals one the statements built, row for row, is proven against PostgreSQL in
tests/integration/test_rebuild.py."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

from projections.catalog import PROJECTIONS
from projections.rows import RowOp
from projections.runners.fold import SHAPES, FoldedView

QUERIES = Path(__file__).resolve().parents[2] / "projections" / "sql" / "queries"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def profile_view() -> FoldedView:
    return FoldedView(PROJECTIONS["profile-view"].tables)


def documents(view: FoldedView, table: str) -> dict[uuid.UUID, dict]:
    shape = SHAPES[table]
    return {r[0]: json.loads(r[shape.document]) for r in view.tables[table].records()}


def test_every_view_statement_has_a_fold_and_every_view_table_a_shape() -> None:
    view = FoldedView(SHAPES)
    statements = {p.stem for p in QUERIES.glob("*.sql")} - {
        "projection_positions_lock", "projection_positions_reset", "projection_positions_save",
    }  # fmt: skip
    assert statements
    for statement in statements:
        assert callable(view._fold(statement)), statement
    for projection in PROJECTIONS.values():
        assert set(projection.tables) <= set(SHAPES)


def test_an_unknown_statement_is_refused() -> None:
    with pytest.raises(KeyError, match="no in-memory fold"):
        profile_view().apply([RowOp("card_view_shred", ())])


def test_profile_update_keeps_id_and_token_and_replaces_the_rest() -> None:
    view, pid, merchant = profile_view(), uuid.uuid4(), uuid.uuid4()
    created = json.dumps({"id": str(pid), "paymentToken": "P1", "firstName": "Ada", "locale": "x"})
    view.apply(
        [
            RowOp("profile_view_insert", (pid, merchant, "c1", "P1", 1, created, AT)),
            RowOp("profile_view_update", (pid, "c2", 2, json.dumps({"lastName": "L"}), AT)),
            RowOp("profile_view_touch", (pid, 3, AT)),
            RowOp("profile_view_update", (uuid.uuid4(), "c9", 9, "{}", AT)),  # no such row
        ]
    )
    (row,) = view.tables["vault.profile_view"].records()
    assert row[:5] == (pid, merchant, "c2", "P1", 3)
    assert json.loads(row[5]) == {"id": str(pid), "paymentToken": "P1", "lastName": "L"}


def test_cards_default_unlink_replace_patch_and_delete_per_profile() -> None:
    view, pid, other, merchant = profile_view(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    address, kept = uuid.uuid4(), uuid.uuid4()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def card(card_id: uuid.UUID, profile: uuid.UUID, billing: uuid.UUID, token: str) -> RowOp:
        document = {"id": str(card_id), "billingAddressId": str(billing), "nickName": "n"}
        return RowOp(
            "card_view_insert", (card_id, profile, merchant, 1, token, json.dumps(document))
        )

    view.apply(
        [
            card(a, pid, address, "Ca"),
            card(b, pid, kept, "Cb"),
            card(c, other, address, "Cc"),
            RowOp("card_view_default", (pid, b)),
            RowOp("instrument_views_unlink_address", (pid, address)),
            RowOp("card_view_replace", (b, json.dumps({"holderName": "H"}))),
            RowOp("card_view_patch", (a, json.dumps({"lastDigits": "0009"}))),
        ]
    )
    docs = documents(view, "vault.card_view")
    assert docs[a] == {"id": str(a), "nickName": "n", "defaultCardIndicator": False,
                       "lastDigits": "0009"}  # fmt: skip
    # replace clears the updatable fields it does not carry, keeps the rest
    assert docs[b] == {"id": str(b), "defaultCardIndicator": True, "holderName": "H"}
    assert docs[c]["billingAddressId"] == str(address)  # another profile's card is untouched
    view.apply([RowOp("card_view_default", (pid, None)), RowOp("card_view_delete", (a,))])
    assert documents(view, "vault.card_view")[b]["defaultCardIndicator"] is False
    view.apply([RowOp("instrument_views_delete_profile", (pid,))])
    assert set(documents(view, "vault.card_view")) == {c}


def test_mandate_status_and_upserts_overwrite_only_their_conflict_columns() -> None:
    view, pid, merchant, mandate = profile_view(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    account = uuid.uuid4()
    doc = json.dumps({"id": str(mandate), "status": "PENDING"})
    view.apply(
        [
            RowOp("mandate_view_insert", (mandate, pid, merchant, account, 4, "M1", doc)),
            RowOp("mandate_view_insert", (mandate, pid, merchant, account, 9, "M2", doc)),
            RowOp("mandate_view_status", (mandate, "ACTIVE", None)),
        ]
    )
    (row,) = view.tables["vault.mandate_view"].records()
    assert row[4:6] == (4, "M1")  # an upsert of an existing row only replaces the document
    assert json.loads(row[6]) == {"id": str(mandate), "status": "ACTIVE", "statusChangeDate": None}
    view.apply([RowOp("mandate_view_delete", (mandate,))])
    assert not view.tables["vault.mandate_view"].rows
