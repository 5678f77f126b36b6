"""``python -m devstack run`` (``make run``): the whole vault on one machine, for a newcomer.

Starts (or finds) PostgreSQL and Kafka, migrates, creates a demo merchant with its API keys, a
token-service keyring and service clients, then runs the token service, the vault API, the relay
and the projector as separate processes, exactly as Kubernetes runs them. Ctrl-C stops everything.
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
from dataclasses import dataclass
from pathlib import Path

from devstack import LocalStack
from events.crypto import Keyring
from infra import db
from infra.supervision import sleep_or_stop
from service.admin.migrations import migrate
from service.api import auth as merchants
from service.settings import Settings
from service.tokens.clients import create_client
from service.tokens.keyring import rotate_dir

# (command, metrics port): the token service first, since the API needs it.
PROCESSES = (("tokens", 9103), ("api", 9100), ("relay", 9101), ("project", 9102))


@dataclass(frozen=True)
class Demo:
    base: str
    tokens_url: str
    merchant_id: uuid.UUID
    credentials: str
    sut_credentials: str
    payments_credentials: str
    database_url: str
    kafka: str
    metrics: dict[str, int]


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
        keyring_dir = work_dir / "token-keyring"
        keyring_dir.mkdir(mode=0o700)
        rotate_dir(keyring_dir)  # the token service's first key-encryption key
        api_port, tokens_port = _pick_port(port), _pick_port(8081)
        env = {
            **os.environ,
            "DATABASE_URL": endpoints.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
            "VAULT_PERSONAL_DATA_KEKS": settings.personal_data_keks
            or Keyring.generate("dev-kek-1").spec(),
            "VAULT_TOKEN_KEYRING_DIR": str(keyring_dir),
            "VAULT_API_PORT": str(api_port),
            "VAULT_TOKENS_PORT": str(tokens_port),
            "VAULT_TOKENS_URL": f"http://127.0.0.1:{tokens_port}",
            # Both cores: one worker per core for each HTTP service (infra.workers).
            "VAULT_API_WORKERS": os.environ.get("VAULT_API_WORKERS", str(os.cpu_count() or 1)),
            "VAULT_TOKENS_WORKERS": os.environ.get(
                "VAULT_TOKENS_WORKERS", str(os.cpu_count() or 1)
            ),
        }
        pool = await db.create_pool(
            db.PoolSettings(url=endpoints.database_url, min_size=1), max_size=1
        )
        try:
            merchant_id = await merchants.create_merchant(pool, "demo")
            key = await merchants.issue_api_key(pool, merchant_id, "server")
            sut_key = await merchants.issue_api_key(pool, merchant_id, "single_use")
            vault_client = await create_client(
                pool, "vault-api", ["tokenize", "audit", "reconcile"], all_merchants=True
            )
            # The demo payments service acts for the demo merchant only.
            payments = await create_client(
                pool, "demo-payments", ["detokenize"], merchants=[merchant_id]
            )
        finally:
            await pool.close()
        env["VAULT_TOKENS_CLIENT_ID"] = vault_client.client_id
        env["VAULT_TOKENS_CLIENT_SECRET"] = vault_client.secret
        metrics_ports: dict[str, int] = {}
        for command, metrics_port in PROCESSES:
            variable = "VAULT_TOKENS_METRICS_PORT" if command == "tokens" else "VAULT_METRICS_PORT"
            metrics_ports[command] = _pick_port(metrics_port)
            child_env = {**env, variable: str(metrics_ports[command])}
            # Popen only forks; the children run beside us until Ctrl-C.
            child = subprocess.Popen([sys.executable, "-m", "service", command], env=child_env)  # noqa: ASYNC220
            children.append(child)
        demo = Demo(
            base=f"http://127.0.0.1:{api_port}",
            tokens_url=env["VAULT_TOKENS_URL"],
            merchant_id=merchant_id,
            credentials=key.basic_credentials,
            sut_credentials=sut_key.basic_credentials,
            payments_credentials=f"{payments.client_id}:{payments.secret}",
            database_url=endpoints.database_url,
            kafka=endpoints.kafka_bootstrap_servers,
            metrics=metrics_ports,
        )
        await _wait_ready(demo.base)
        print(banner(demo), flush=True)
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
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{base}/customervault/monitor") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("the vault API did not start; see its log above")


def banner(d: Demo) -> str:
    customer = f"demo-{uuid.uuid4().hex[:8]}"
    metrics = ", ".join(
        f"http://127.0.0.1:{port}/metrics ({name})" for name, port in d.metrics.items()
    )
    return f"""
Customer Vault is running.

  API          {d.base}/customervault/v1   (OpenAPI: {d.base}/customervault/v1/openapi.json)
  API key      {d.credentials}
  SUT key      {d.sut_credentials}   (single-use-token key, for client devices)
  tokens       {d.tokens_url}   (payments client: {d.payments_credentials})
  merchant     {d.merchant_id}
  PostgreSQL   {d.database_url}
  Kafka        {d.kafka}
  metrics      {metrics}

Create a profile with a card:

  curl -s -u '{d.credentials}' -H 'Content-Type: application/json' \\
    -d '{{"merchantCustomerId":"{customer}","locale":"en_US","firstName":"Jane","card":{{"cardNum":"4111111111111111","cardExpiry":{{"month":12,"year":2030}}}}}}' \\
    {d.base}/customervault/v1/profiles

Find it again by merchantCustomerId:

  curl -s -u '{d.credentials}' '{d.base}/customervault/v1/profiles?merchantCustomerId={customer}&fields=cards'

Resolve the card's paymentToken (C…) as a payment service would:

  curl -s -u '{d.payments_credentials}' -H 'Content-Type: application/json' \\
    -d '{{"merchantId":"{d.merchant_id}","paymentToken":"PASTE_THE_C_TOKEN","purpose":"demo"}}' \\
    {d.tokens_url}/tokens/v1/resolve

Press Ctrl-C to stop everything.
"""


async def _wait_for_interrupt(children: list[subprocess.Popen[bytes]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        if any(child.poll() is not None for child in children):
            print("[dev] a process exited; stopping everything", flush=True)
            return
        await sleep_or_stop(stop, 0.5)
