"""The statements each hot operation sends to PostgreSQL (the budget docs/scaling.md counts): a
resolve reads its record and writes its audit row, nothing more (no BEGIN/COMMIT); a tokenize is
one statement writing the record and its audit row together. An added round trip fails here, not
only in a benchmark on a noisy machine."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from infra.db import keep_session
from infra.sqlfiles import load_sql
from service.tokens.audit import AuditOutbox
from service.tokens.clients import Caller
from service.tokens.errors import TokenNotFound
from service.tokens.keyring import TokenKeyring
from service.tokens.sealing import RecordCipher
from service.tokens.store import TokenStore
from tests.integration.tokens.conftest import TokenService, card

GET = load_sql("service.tokens", "queries/instrument_get.sql")
GET_FOR_UPDATE = load_sql("service.tokens", "queries/instrument_get_for_update.sql")
INSERT = load_sql("service.tokens", "queries/instrument_insert.sql")
AUDIT = load_sql("service.tokens", "queries/audit_insert.sql")
BACS = {
    "accountNumber": "12345678",
    "sortCode": "070116",
    "accountHolderName": "Jane Doe",
}


class Counted:
    def __init__(self, store: TokenStore, sent: list[str]) -> None:
        self.store = store
        self.sent = sent

    def take(self) -> list[str]:
        taken = list(self.sent)
        self.sent.clear()
        return taken


@pytest.fixture
async def counted(token_service: TokenService, keyring_dir: Path) -> AsyncIterator[Counted]:
    """A token store like the service's (same pool settings, no reset round trip), on one
    connection that records every statement it sends."""
    sent: list[str] = []

    async def record_statements(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda logged: sent.append(logged.query))

    pool = await asyncpg.create_pool(
        token_service.settings.database_url,
        min_size=1,
        max_size=1,
        init=record_statements,
        reset=keep_session,
    )
    assert pool is not None
    store = TokenStore(
        pool,
        RecordCipher(TokenKeyring(directory=keyring_dir)),
        AuditOutbox(token_service.topic),
        single_use_ttl_seconds=60,
    )
    try:
        yield Counted(store, sent)
    finally:
        await pool.close()


async def test_a_card_is_tokenized_in_one_statement_and_resolved_in_two(counted: Counted) -> None:
    merchant = uuid.uuid4()
    caller = Caller("tsc-round-trips", frozenset({"tokenize", "detokenize"}), all_merchants=True)
    store = counted.store
    await store.tokenize(caller, merchant, "card", card())  # creates the merchant's HMAC secret
    counted.take()

    summary = await store.tokenize(caller, merchant, "card", card("5555555555554444"))
    assert counted.take() == [INSERT]

    revealed = await store.resolve(caller, merchant, summary.token, "payment")
    assert revealed["card"]["cardNum"] == "5555555555554444"
    assert counted.take() == [GET, AUDIT]


async def test_a_refused_resolve_costs_the_same_two_statements(counted: Counted) -> None:
    caller = Caller("tsc-round-trips", frozenset({"detokenize"}), all_merchants=True)
    with pytest.raises(TokenNotFound):
        await counted.store.resolve(caller, uuid.uuid4(), "Cunknowntoken0000000", "payment")
    assert counted.take() == [GET, AUDIT]


async def test_a_mandate_locks_its_bank_account_in_a_transaction(counted: Counted) -> None:
    merchant = uuid.uuid4()
    caller = Caller("tsc-round-trips", frozenset({"tokenize", "detokenize"}), all_merchants=True)
    store = counted.store
    bank = await store.tokenize(caller, merchant, "bacs", BACS)
    counted.take()

    mandate = await store.tokenize(
        caller, merchant, "mandate", {"reference": "SUB1", "bankAccountToken": bank.token}
    )
    assert counted.take() == ["BEGIN;", GET_FOR_UPDATE, INSERT, "COMMIT;"]

    revealed = await store.resolve(caller, merchant, mandate.token, "payment")
    assert revealed["bankAccount"]["accountHolderName"] == "Jane Doe"
    assert counted.take() == [GET, GET, AUDIT]
