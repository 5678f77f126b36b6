"""The online rebuild's pure parts: bulk layout keeps each stream's order, shadow SQL targets only
the shadow tables, index definitions match across the swap."""

from __future__ import annotations

from projections.rows import RowOp
from projections.runners.rebuild import Shadow, _shape, rounds


def test_rounds_group_equal_statements_and_keep_each_streams_order() -> None:
    a = [RowOp("profile_view_insert", ("a", 1)), RowOp("address_view_insert", ("a", 2)),
         RowOp("profile_view_touch", ("a", 3))]  # fmt: skip
    b = [RowOp("profile_view_insert", ("b", 1)), RowOp("profile_view_touch", ("b", 2))]
    c = [RowOp("profile_view_delete", ("c", 1))]
    out = rounds({"a": a, "b": b, "c": c})
    assert sorted(map(id, out)) == sorted(map(id, a + b + c))
    for ops in (a, b, c):
        positions = [next(i for i, o in enumerate(out) if o is op) for op in ops]
        assert positions == sorted(positions)
    # the first round's two inserts are adjacent: one executemany
    statements = [o.statement for o in out]
    first = statements.index("profile_view_insert")
    assert statements[first : first + 2] == ["profile_view_insert"] * 2


def test_shadow_sql_rewrites_only_the_projections_tables() -> None:
    shadow = Shadow(("vault.profile_view", "vault.address_view"))
    sql = shadow.sql("address_view_delete_profile")
    assert "vault.address_view__rebuild" in sql
    assert sql.count("__rebuild") == sql.count("vault.address_view")
    untouched = Shadow(("vault.customer_search",)).sql("address_view_delete_profile")
    assert "__rebuild" not in untouched


def test_index_shape_ignores_the_index_name() -> None:
    old = "CREATE UNIQUE INDEX profile_view_pkey ON vault.profile_view USING btree (profile_id)"
    new = "CREATE UNIQUE INDEX profile_view__rebuild_pkey ON vault.profile_view USING btree (profile_id)"
    assert _shape(old) == _shape(new)
    other = "CREATE INDEX x ON vault.profile_view USING btree (merchant_id)"
    assert _shape(other) != _shape(old)
