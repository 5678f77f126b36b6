"""``vault dev`` (``make run``): the whole vault on one machine, for a newcomer.

Starts (or finds) PostgreSQL and Kafka, migrates, creates a demo merchant and its API key, then
runs the vault API, the relay and the projector as separate processes, exactly as Kubernetes runs
them. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from devstack import LocalStack
from events.crypto import Keyring
from service import db, merchants
from service.config import Settings
from service.migrations import migrate

PROCESSES = (("api", 9100), ("relay", 9101), ("project", 9102))


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _pick_port(preferred: int) -> int:
    if _free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run(settings: Settings, port: int) -> None:
    work_dir = Path(tempfile.mkdtemp(prefix="customer-vault-dev-"))
    stack = LocalStack(work_dir=work_dir, log=lambda line: print(f"[dev] {line}", flush=True))
    children: list[subprocess.Popen[bytes]] = []
    try:
        endpoints = await asyncio.to_thread(stack.start)
        print("[dev] migrating", flush=True)
        await migrate(endpoints.database_url)
        keks = settings.personal_data_keks or Keyring.generate("dev-kek-1").spec()
        env = {
            **os.environ,
            "DATABASE_URL": endpoints.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
            "VAULT_PERSONAL_DATA_KEKS": keks,
            "VAULT_API_PORT": str(_pick_port(port)),
        }
        pool = await db.create_pool(
            Settings(database_url=endpoints.database_url, db_pool_min=1), max_size=1
        )
        try:
            merchant_id = await merchants.create_merchant(pool, "demo")
            key = await merchants.issue_api_key(pool, merchant_id, "server")
        finally:
            await pool.close()
        for command, metrics_port in PROCESSES:
            child_env = {**env, "VAULT_METRICS_PORT": str(_pick_port(metrics_port))}
            # Popen only forks; the children run beside us until Ctrl-C.
            child = subprocess.Popen([sys.executable, "-m", "service", command], env=child_env)  # noqa: ASYNC220, S603
            children.append(child)
        base = f"http://127.0.0.1:{env['VAULT_API_PORT']}"
        await _wait_ready(base)
        _banner(
            base, key.basic_credentials, endpoints.database_url, endpoints.kafka_bootstrap_servers
        )
        await _wait_for_interrupt(children)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        await asyncio.to_thread(stack.stop)
        print("[dev] stopped", flush=True)


async def _wait_ready(base: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"{base}/customervault/monitor") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the vault API did not start; see its log above")


def _banner(base: str, credentials: str, database_url: str, kafka: str) -> None:
    customer = f"demo-{uuid.uuid4().hex[:8]}"
    print(
        f"""
Customer Vault is running.

  API          {base}/customervault/v1   (OpenAPI: {base}/customervault/v1/openapi.json)
  API key      {credentials}
  PostgreSQL   {database_url}
  Kafka        {kafka}
  metrics      http://127.0.0.1:9100/metrics (api), :9101 (relay), :9102 (projector)

Create a profile:

  curl -s -u '{credentials}' -H 'Content-Type: application/json' \\
    -d '{{"merchantCustomerId":"{customer}","locale":"en_US","firstName":"Jane","email":"jane@example.com"}}' \\
    {base}/customervault/v1/profiles

Find it again by merchantCustomerId:

  curl -s -u '{credentials}' '{base}/customervault/v1/profiles?merchantCustomerId={customer}'

Press Ctrl-C to stop everything.
""",
        flush=True,
    )


async def _wait_for_interrupt(children: list[subprocess.Popen[bytes]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        if any(child.poll() is not None for child in children):
            print("[dev] a process exited; stopping everything", flush=True)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)
