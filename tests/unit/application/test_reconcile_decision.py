"""Reconciliation's pure decision: which live records are orphans and which references dangle."""

from __future__ import annotations

import pytest

from service.application.reconcile import Findings, Live, References, ages, decide
from service.settings import ConfigError, Settings
from service.tokens.contract import ListedRecord, Listing

GRACE = 300.0


def live(token: str, age: float) -> Live:
    return Live(token=token, kind="card", age_seconds=age)


def refs(*instruments: str, profiles: tuple[str, ...] = ()) -> References:
    return References(instruments=frozenset(instruments), profiles=frozenset(profiles))


def test_an_old_unreferenced_record_is_an_orphan_and_a_referenced_one_is_not() -> None:
    found = decide([live("Cold", 900), live("Ckept", 900)], refs("Ckept"), refs("Ckept"), GRACE)
    assert found == Findings(orphans=("Cold",), dangling=())


def test_nothing_younger_than_the_grace_is_touched() -> None:
    # A record tokenized moments ago whose append has not committed yet is not an orphan.
    found = decide([live("Cyoung", GRACE), live("Cnew", 1)], refs(), refs(), GRACE)
    assert found.orphans == ()


def test_a_reference_the_second_read_sees_protects_its_record() -> None:
    # Committed between the first read and the listing: only the read after the listing counts.
    found = decide([live("Clate", 900)], refs(), refs("Clate"), GRACE)
    assert found.orphans == ()


def test_a_profile_token_is_never_an_orphan_nor_dangling() -> None:
    found = decide(
        [live("Pself", 900)], refs(profiles=("Pother",)), refs(profiles=("Pself",)), GRACE
    )
    assert found == Findings(orphans=(), dangling=())


def test_a_reference_both_reads_saw_without_a_live_record_dangles() -> None:
    found = decide([live("Cok", 900)], refs("Cok", "Cgone"), refs("Cok", "Cgone"), GRACE)
    assert found == Findings(orphans=(), dangling=("Cgone",))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (refs(), refs("Cadded")),  # added after the listing was read
        (refs("Cremoved"), refs()),  # removed (and destroyed) while the listing was read
    ],
)
def test_a_reference_only_one_read_saw_never_dangles(before: References, after: References) -> None:
    assert decide([], before, after, GRACE).dangling == ()


def test_ages_are_measured_on_the_token_services_clock() -> None:
    page = Listing(
        records=[
            ListedRecord(
                token="C1", kind="card", status="ACTIVE", created_at="2026-01-01T00:00:00+00:00"
            )
        ],
        as_of="2026-01-01T00:05:01+00:00",
    )
    assert ages(page) == [Live(token="C1", kind="card", age_seconds=301.0)]


def test_a_grace_not_longer_than_the_latest_append_is_refused() -> None:
    with pytest.raises(ConfigError, match="VAULT_TOKEN_RECONCILE_GRACE_SECONDS"):
        Settings(
            tokenize_deadline_seconds=30,
            tokens_timeout_seconds=5,
            statement_timeout_ms=10_000,
            token_reconcile_grace_seconds=45,
        )
    Settings(token_reconcile_grace_seconds=45.5)
