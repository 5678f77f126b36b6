"""`vault tokens` as a real process: ready when Postgres and Kafka are, serves, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid

import aiohttp

from tests.processes import vault_cli
from tests.support import free_port


async def test_tokens_process_serves_and_stops(process_env: dict[str, str]) -> None:
    port, metrics_port = free_port(), free_port()
    env = {
        **process_env,
        "VAULT_TOKEN_KEKS": "proc-kek:" + "QUFB" * 10 + "QUE=",
        "VAULT_TOKENS_PORT": str(port),
        "VAULT_TOKENS_METRICS_PORT": str(metrics_port),
        "VAULT_TOKEN_AUDIT_TOPIC": f"test.token-access.{uuid.uuid4().hex[:12]}",
    }
    code, out, err = await vault_cli(
        env, "tokens", "clients", "create", "vault-api", "--scope", "tokenize", "--all-merchants"
    )
    assert code == 0, err
    creds = dict(line.split("=", 1) for line in out.splitlines())
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "tokens"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession() as session:
            async with asyncio.timeout(60):
                while True:
                    assert process.poll() is None, "vault tokens exited"
                    try:
                        async with session.get(f"http://127.0.0.1:{metrics_port}/readyz") as r:
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.2)
            auth = {"Authorization": aiohttp.encode_basic_auth(creds["client_id"], creds["secret"])}
            body = {
                "merchantId": str(uuid.uuid4()),
                "kind": "card",
                "instrument": {
                    "cardNum": "4111111111111111",
                    "cardExpiry": {"month": 1, "year": 2040},
                },
            }
            async with session.post(
                f"http://127.0.0.1:{port}/tokens/v1/instruments", json=body, headers=auth
            ) as r:
                assert r.status == 201
            async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as r:
                assert "vault_token_tokenized_total" in await r.text()
        code, out, err = await vault_cli(env, "tokens", "clients", "revoke", creds["client_id"])
        assert code == 0 and "within 30 s" in out, err
        code, _, err = await vault_cli(env, "tokens", "clients", "revoke", creds["client_id"])
        assert code == 1 and "no live client" in err
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
