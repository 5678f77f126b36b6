"""`vault tokens reconcile [--dry-run]`: what an operator runs, against the real token service."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass

from service.adapters.token_service import TokenClient
from service.api.auth import IssuedKey
from service.settings import Settings
from tests.support import VaultClient

GRACE = "2.5"
CARD = {"cardNum": "4111111111111111", "cardExpiry": {"month": 12, "year": 2050}}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


async def reconcile(env: dict[str, str], *args: str) -> Run:
    """The command as a subprocess, awaited: the token service it calls runs in this event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "tokens", "reconcile", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


def lines_of(merchant_id: uuid.UUID, output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines() if f"\t{merchant_id}\t" in line]


async def test_reconcile_reports_then_destroys_orphans_and_reports_dangling_tokens(
    process_env: dict[str, str], api_settings: Settings, api_url: str, merchant_key: IssuedKey
) -> None:
    env = {
        **process_env,
        "VAULT_TOKENS_URL": api_settings.tokens_url,
        "VAULT_TOKENS_CLIENT_ID": api_settings.tokens_client_id,
        "VAULT_TOKENS_CLIENT_SECRET": api_settings.tokens_client_secret,
        "VAULT_TOKENIZE_DEADLINE_SECONDS": "0.5",
        "VAULT_TOKENS_TIMEOUT_SECONDS": "1",
        "VAULT_STATEMENT_TIMEOUT_MS": "500",
        "VAULT_TOKEN_RECONCILE_GRACE_SECONDS": GRACE,
    }
    merchant = uuid.UUID(str(merchant_key.merchant_id))
    tokens = TokenClient(
        api_settings.tokens_url, api_settings.tokens_client_id, api_settings.tokens_client_secret
    )
    await tokens.start()
    try:
        async with VaultClient(api_url, merchant_key) as client:
            pid = (await client.create_profile())["id"]
            kept = await client.request("POST", f"/customervault/v1/profiles/{pid}/cards", CARD)
            assert kept.status == 201
        # A record no instrument references: what a crash after tokenize leaves.
        orphan = (await tokens.tokenize(merchant, "card", dict(CARD))).token
        created = time.monotonic()
        # Younger than the grace (the default 300 s here, so that a slow start cannot age it):
        # not judged, not destroyed.
        patient = {k: v for k, v in env.items() if k != "VAULT_TOKEN_RECONCILE_GRACE_SECONDS"}
        young = await reconcile(patient)
        assert young.returncode in (0, 3), young.stderr
        assert lines_of(merchant, young.stdout) == []
        while time.monotonic() < created + float(GRACE):
            await asyncio.sleep(0.1)  # the grace is a time: let it pass

        dry = await reconcile(env, "--dry-run")
        assert lines_of(merchant, dry.stdout) == [
            ["orphan", str(merchant), orphan, "kept (dry run)"]
        ]
        assert "merchant" in dry.stderr and "live records" in dry.stderr  # progress
        live = await tokens.live_page(merchant, "", 100)
        assert orphan in {r.token for r in live.records}

        done = await reconcile(env)
        assert lines_of(merchant, done.stdout) == [["orphan", str(merchant), orphan, "destroyed"]]
        live = await tokens.live_page(merchant, "", 100)
        assert {r.token for r in live.records} == {kept.json["paymentToken"]}

        # A card whose token was destroyed outside the protocol: dangling, reported, exit 3.
        await tokens.delete(merchant, kept.json["paymentToken"])
        dangling = await reconcile(env, "--dry-run")
        assert dangling.returncode == 3
        assert lines_of(merchant, dangling.stdout) == [
            ["dangling", str(merchant), kept.json["paymentToken"]]
        ]
    finally:
        await tokens.close()


async def test_a_grace_shorter_than_the_latest_append_is_refused(
    process_env: dict[str, str],
) -> None:
    result = await reconcile(
        {**process_env, "VAULT_TOKEN_RECONCILE_GRACE_SECONDS": "20"}, "--dry-run"
    )
    assert result.returncode == 2
    assert "VAULT_TOKEN_RECONCILE_GRACE_SECONDS must exceed" in result.stderr
