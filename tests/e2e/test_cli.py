"""The `vault` command: migrations, merchants and keys, configuration output."""

from __future__ import annotations

import subprocess
import sys

from events.crypto import Keyring
from service.api.auth import IssuedKey
from tests.support import VaultClient


def vault(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_merchants_create_issues_a_key_that_works(
    process_env: dict[str, str], api_url: str
) -> None:
    result = vault(process_env, "merchants", "create", "cli-merchant")
    assert result.returncode == 0, result.stderr
    issued = dict(line.split("=", 1) for line in result.stdout.split())
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
        for line in vault(process_env, "merchants", "create", "cli-merchant").stdout.split()
    )
    assert second["merchant_id"] == issued["merchant_id"] and second["key_id"] != issued["key_id"]


def test_migrate_is_idempotent_and_config_redacts_secrets(
    process_env: dict[str, str], owner_env: dict[str, str]
) -> None:
    result = vault(owner_env, "migrate")
    assert (result.returncode, result.stdout.strip()) == (0, "applied 0 migration(s)")
    config = vault({**process_env, "VAULT_TOKENS_CLIENT_SECRET": "T-very-secret"}, "config")
    assert config.returncode == 0
    assert process_env["VAULT_PERSONAL_DATA_KEKS"] not in config.stdout
    assert "T-very-secret" not in config.stdout
    assert "personal_data_keks=<redacted>" in config.stdout
    assert "tokens_client_secret=<redacted>" in config.stdout
    generated = vault(process_env, "keys", "generate", "--id", "kek-x").stdout.strip()
    assert Keyring.parse(generated).active_id == "kek-x"


def test_processes_refuse_to_start_without_their_keys(process_env: dict[str, str]) -> None:
    env = {k: v for k, v in process_env.items() if k != "VAULT_PERSONAL_DATA_KEKS"}
    result = vault(env, "api")
    assert result.returncode == 2
    assert "VAULT_PERSONAL_DATA_KEKS" in result.stderr
