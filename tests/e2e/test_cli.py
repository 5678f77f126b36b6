"""The `vault` command: migrations, merchants and keys, configuration output."""

from __future__ import annotations

from events.crypto import Keyring
from service.api.auth import IssuedKey
from tests.processes import vault_cli
from tests.support import VaultClient


async def test_merchants_create_issues_a_key_that_works(
    process_env: dict[str, str], api_url: str
) -> None:
    code, out, err = await vault_cli(process_env, "merchants", "create", "cli-merchant")
    assert code == 0, err
    issued = dict(line.split("=", 1) for line in out.split())
    assert issued["kind"] == "server"
    assert issued["key_id"].startswith("key-") and issued["secret"].startswith("B-")
    key = IssuedKey(
        merchant_id=issued["merchant_id"],
        key_id=issued["key_id"],
        secret=issued["secret"],
        kind="server",
    )
    async with VaultClient(api_url, key) as client:
        profile = await client.create_profile()
        again = await client.request("GET", f"/customervault/v1/profiles/{profile['id']}")
    assert again.status == 200
    # The same merchant name gets a second key for the same merchant, not a second merchant.
    second = dict(
        line.split("=", 1)
        for line in (await vault_cli(process_env, "merchants", "create", "cli-merchant"))[1].split()
    )
    assert second["merchant_id"] == issued["merchant_id"] and second["key_id"] != issued["key_id"]


async def test_migrate_is_idempotent_and_config_redacts_secrets(
    process_env: dict[str, str], owner_env: dict[str, str]
) -> None:
    code, out, _ = await vault_cli(owner_env, "migrate")
    assert (code, out.strip()) == (0, "applied 0 migration(s)")
    code, config, _ = await vault_cli(
        {**process_env, "VAULT_TOKENS_CLIENT_SECRET": "T-very-secret"}, "config"
    )
    assert code == 0
    assert process_env["VAULT_PERSONAL_DATA_KEKS"] not in config
    assert "T-very-secret" not in config
    assert "personal_data_keks=<redacted>" in config
    assert "tokens_client_secret=<redacted>" in config
    generated = (await vault_cli(process_env, "keys", "generate", "--id", "kek-x"))[1].strip()
    assert Keyring.parse(generated).active_id == "kek-x"


async def test_processes_refuse_to_start_without_their_keys(process_env: dict[str, str]) -> None:
    env = {k: v for k, v in process_env.items() if k != "VAULT_PERSONAL_DATA_KEKS"}
    code, _, err = await vault_cli(env, "api")
    assert code == 2
    assert "VAULT_PERSONAL_DATA_KEKS" in err
