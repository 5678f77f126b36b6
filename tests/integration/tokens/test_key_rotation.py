"""Rotate, re-wrap and retire KEKs with the CLI while the live service keeps resolving tokens."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from tests.integration.tokens.conftest import TokenService, card
from tests.processes import vault_cli

PAN = "4111111111111111"


async def usage(pool: asyncpg.Pool, kek_id: str) -> int:
    records = await pool.fetchval(
        "SELECT count(*) FROM tokens.instruments WHERE kek_id = $1", kek_id
    )
    secrets = await pool.fetchval(
        "SELECT count(*) FROM tokens.fingerprint_keys WHERE kek_id = $1", kek_id
    )
    return int(records) + int(secrets)


async def test_rotate_rewrap_retire_while_resolving(
    token_service: TokenService, pool: asyncpg.Pool, process_env: dict[str, str]
) -> None:
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize")
    merchants = [uuid.uuid4() for _ in range(3)]
    tokens = [
        (m, (await vault.tokenize(m, "card", card(holderName=f"n{i}")))["token"])
        for i in range(12)
        for m in merchants
    ]
    old = token_service.keyring.ring().active_id
    assert await usage(pool, old) == len(tokens) + len(merchants)
    env = {
        **process_env,
        "VAULT_TOKEN_KEYRING_DIR": token_service.settings.keyring_dir,
        "VAULT_TOKEN_KEYRING_RELOAD_SECONDS": "0.5",
    }

    resolved = 0
    failures: list[str] = []
    stop = asyncio.Event()

    async def resolve_forever() -> None:
        nonlocal resolved
        while not stop.is_set():
            for merchant, token in tokens:
                reply = await payments.resolve(merchant, token, "rotation test")
                if reply.status != 200 or reply.json["card"]["cardNum"] != PAN:
                    failures.append(f"{reply.status} {reply.code}")
                resolved += 1

    loop = asyncio.create_task(resolve_forever())
    try:
        code, out, err = await vault_cli(env, "keys", "rotate")
        assert code == 0, err
        new = out.split()[2]
        assert new != old
        await asyncio.sleep(1.2)  # past the settle time: the refusal is about usage
        code, out, err = await vault_cli(env, "keys", "retire", old)
        assert code == 1
        assert "still wraps" in err
        # Only this test's KEK: the shared database holds other tests' records under other keys.
        code, out, err = await vault_cli(env, "keys", "rewrap", "--batch-size", "7", "--from", old)
        assert code == 0, err
        assert f"rewrapped {len(tokens)} record(s) and {len(merchants)}" in out
        assert "rewrapping" in err  # the progress bar on stderr
        code, out, err = await vault_cli(env, "keys", "rewrap", "--from", old)  # nothing left
        assert code == 0 and "rewrapped 0 record(s)" in out
        assert await usage(pool, old) == 0
        assert await usage(pool, new) == len(tokens) + len(merchants)
        code, out, err = await vault_cli(env, "keys", "retire", old)
        assert code == 0, err
        code, out, err = await vault_cli(env, "keys", "status")
        assert code == 0 and old not in out and new in out
        before = resolved
        while resolved < before + len(tokens):  # keeps working after the old KEK is gone
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await loop
    assert not failures
    assert resolved > 2 * len(tokens)
    # New fingerprints still match the old ones: the secrets were re-wrapped, not replaced.
    again = await vault.tokenize(merchants[0], "card", card())
    first = await vault.tokenize(merchants[0], "card", card())
    assert again["fingerprint"] == first["fingerprint"]
    keys = await (await token_service.client("keys")).request("GET", "/tokens/v1/keys")
    assert keys.json["activeKekId"] == new
    listed = [k["id"] for k in keys.json["keks"]]
    assert new in listed and old not in listed


async def test_cli_refuses_rotation_without_a_keyring_dir(process_env: dict[str, str]) -> None:
    env = {**process_env, "VAULT_TOKEN_KEKS": "k1:" + "A" * 43 + "="}
    env.pop("VAULT_TOKEN_KEYRING_DIR", None)
    code, _, err = await vault_cli(env, "keys", "rotate")
    assert code == 1 and "VAULT_TOKEN_KEYRING_DIR" in err
    code, out, _ = await vault_cli(env, "keys", "generate", "--id", "x")
    assert code == 0 and out.startswith("x:")
