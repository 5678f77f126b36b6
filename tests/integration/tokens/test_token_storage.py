"""What is stored: ciphertext bound to its row, deletion shreds, migrations' role and grants."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.integration.tokens.conftest import CARD, TokenService, card, wait_for_audit

COLUMNS = "kek_id, wrapped_key, ciphertext, fingerprint, bin, last_digits, deleted_at"


async def row(pool: asyncpg.Pool, token: str) -> asyncpg.Record:
    found = await pool.fetchrow(f"SELECT {COLUMNS} FROM tokens.instruments WHERE token = $1", token)
    assert found is not None
    return found


async def test_no_number_in_plaintext_storage(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    vault = await token_service.client("tokenize")
    token = (await vault.tokenize(uuid.uuid4(), "card", card(holderName="Jane Roe")))["token"]
    stored = await row(pool, token)
    assert CARD.encode() not in bytes(stored["ciphertext"])
    assert b"Jane Roe" not in bytes(stored["ciphertext"])
    assert stored["kek_id"] == token_service.keyring.ring().active_id


@pytest.mark.parametrize("column", ["ciphertext", "wrapped_key"])
async def test_swapped_blob_fails_to_decrypt_and_is_reported(
    token_service: TokenService, pool: asyncpg.Pool, column: str
) -> None:
    from service.tokens import metrics

    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    victim = (await vault.tokenize(merchant, "card", card()))["token"]
    attacker = (await vault.tokenize(merchant, "card", card("5200400000000009")))["token"]
    await pool.execute(
        f"UPDATE tokens.instruments SET {column} = "
        f"(SELECT {column} FROM tokens.instruments WHERE token = $1) WHERE token = $2",
        victim,
        attacker,
    )
    before = metrics.DECRYPT_FAILURES._value.get()
    reply = await payments.resolve(merchant, attacker)
    assert (reply.status, reply.code) == (500, "1000")
    assert CARD not in reply.text and "5200400000000009" not in reply.text
    assert metrics.DECRYPT_FAILURES._value.get() == before + 1
    refused = await wait_for_audit(
        token_service, 1, type="RevealRefused", reason="decrypt_failed", merchantId=str(merchant)
    )
    assert len(refused) == 1
    # Updating it is refused the same way; the untouched record still resolves.
    reply = await vault.request(
        "PUT", f"/tokens/v1/instruments/{attacker}", {"merchantId": str(merchant), "instrument": {}}
    )
    assert reply.code == "1000"
    assert (await payments.resolve(merchant, victim)).status == 200


async def test_deleted_token_is_shredded_and_refused(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchant = uuid.uuid4()
    token = (await vault.tokenize(merchant, "card", card()))["token"]
    reply = await vault.request("DELETE", f"/tokens/v1/instruments/{token}?merchantId={merchant}")
    assert (reply.status, reply.text) == (200, "")
    stored = await row(pool, token)
    assert stored["ciphertext"] is None and stored["wrapped_key"] is None
    assert stored["kek_id"] is None and stored["fingerprint"] is None
    assert stored["deleted_at"] is not None
    reply = await payments.resolve(merchant, token)
    assert (reply.status, reply.code) == (404, "5500")
    again = await vault.request("DELETE", f"/tokens/v1/instruments/{token}?merchantId={merchant}")
    assert again.code == "5500"
    refused = await wait_for_audit(token_service, 1, type="RevealRefused", merchantId=str(merchant))
    assert refused[0]["reason"] == "deleted"
    deleted = await wait_for_audit(
        token_service, 1, type="InstrumentDeleted", merchantId=str(merchant)
    )
    assert deleted[0]["clientId"]


async def test_schema_belongs_to_the_token_role(pool: asyncpg.Pool) -> None:
    owner = await pool.fetchval(
        "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'tokens'"
    )
    assert owner == "vault_tokens"
    public_usage = await pool.fetchval("SELECT has_schema_privilege('public', 'tokens', 'USAGE')")
    assert public_usage is False
    tables = await pool.fetch("SELECT tableowner FROM pg_tables WHERE schemaname = 'tokens'")
    assert tables and {t["tableowner"] for t in tables} == {"vault_tokens"}
