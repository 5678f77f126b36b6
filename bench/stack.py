"""What the bench drives (``Target``) and how ``python -m bench`` starts it: the ``make run`` stack.

``start_local`` mirrors ``devstack.run.run``: ``devstack.LocalStack`` (PostgreSQL + Kafka), the
migrations, a merchant with an API key, token-service clients, then the token service, the vault
API, the relay and the projector as separate ``python -m service …`` processes (logs in files).
The integration test builds a ``Target`` from its own fixtures instead.
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
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from devstack import LocalStack
from events.crypto import Keyring
from infra import db
from service.admin.migrations import migrate
from service.api import auth as merchants
from service.tokens.clients import create_client

REPO = Path(__file__).resolve().parents[1]
# (command, metrics-port variable): the token service first, since the API needs it.
PROCESSES = (
    ("tokens", "VAULT_TOKENS_METRICS_PORT"),
    ("api", "VAULT_METRICS_PORT"),
    ("relay", "VAULT_METRICS_PORT"),
    ("project", "VAULT_METRICS_PORT"),
)


@dataclass
class Target:
    """A running vault: its URLs, credentials, stores and (for CPU accounting) process ids."""

    api_url: str
    tokens_url: str
    merchant_id: uuid.UUID
    api_key: tuple[str, str]  # (key id, secret) of a `server` API key
    payments: tuple[str, str]  # (client id, secret) of a token-service client with `detokenize`
    database_url: str
    kafka: str
    personal_data_keks: str
    token_keks: str
    work_dir: Path
    env: dict[str, str]  # environment for the bench's probe subprocesses
    pids: dict[str, int] = field(default_factory=dict)
    tree_pids: set[str] = field(default_factory=set)  # names whose descendants count too
    stop_pipeline: Callable[[], None] | None = None  # stops the stack's relay and projector
    backend_pids: set[int] = field(default_factory=set)  # this database's PostgreSQL backends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def cpu_snapshot(target: Target) -> dict[str, float]:
    """CPU seconds (user + system) so far per process name; ``bench`` is this process.

    Tree entries (PostgreSQL) sum the live backends only: a backend that exited in between takes
    its time with it, so short connections are under-counted (pools keep theirs)."""
    out = {"bench": _cpu_of(os.getpid())}
    for name, pid in target.pids.items():
        pids = _descendants(pid) if name in target.tree_pids else {pid}
        out[name] = sum(_cpu_of(p) for p in pids)
    if target.backend_pids:
        out["postgres-backends"] = sum(_cpu_of(p) for p in target.backend_pids)
    return out


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


async def _wait_ready(url: str, log: Path, popen: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise RuntimeError(f"{log.stem} exited:\n{_tail(log)}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{log.stem} not ready:\n{_tail(log)}")


def _terminate(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextlib.asynccontextmanager
async def start_local(log: Callable[[str], None]) -> AsyncIterator[Target]:
    """The ``make run`` stack, with a fresh merchant, API key and token-service clients."""
    work_dir = Path(tempfile.mkdtemp(prefix="customer-vault-bench-"))
    stack = LocalStack(work_dir=work_dir, log=lambda line: log(f"devstack: {line}"))
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        endpoints = await asyncio.to_thread(stack.start)
        log("migrating")
        await migrate(endpoints.database_url)
        personal_keks = Keyring.generate("bench-kek-1").spec()
        token_keks = Keyring.generate("bench-token-kek-1").spec()
        api_port, tokens_port = free_port(), free_port()
        env = {
            **os.environ,
            "DATABASE_URL": endpoints.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
            "VAULT_PERSONAL_DATA_KEKS": personal_keks,
            "VAULT_TOKEN_KEKS": token_keks,
            "VAULT_API_PORT": str(api_port),
            "VAULT_TOKENS_PORT": str(tokens_port),
            "VAULT_TOKENS_URL": f"http://127.0.0.1:{tokens_port}",
            "PYTHONPATH": str(REPO),
            # As `make run`: one worker per core for the API and the token service.
            "VAULT_API_WORKERS": os.environ.get("VAULT_API_WORKERS", str(os.cpu_count() or 1)),
            "VAULT_TOKENS_WORKERS": os.environ.get(
                "VAULT_TOKENS_WORKERS", str(os.cpu_count() or 1)
            ),
        }
        pool = await db.create_pool(
            db.PoolSettings(url=endpoints.database_url, min_size=1), max_size=1
        )
        try:
            merchant_id = await merchants.create_merchant(pool, f"bench-{uuid.uuid4()}")
            key = await merchants.issue_api_key(pool, merchant_id, "server")
            vault_client = await create_client(
                pool, "bench-vault-api", ["tokenize"], all_merchants=True
            )
            payments = await create_client(
                pool, "bench-payments", ["detokenize"], merchants=[merchant_id]
            )
        finally:
            await pool.close()
        env["VAULT_TOKENS_CLIENT_ID"] = vault_client.client_id
        env["VAULT_TOKENS_CLIENT_SECRET"] = vault_client.secret
        for command, variable in PROCESSES:
            port = free_port()
            log_path = work_dir / f"{command}.log"
            with log_path.open("ab") as handle:
                # Popen only forks; the children run beside us until the bench ends.
                children[command] = subprocess.Popen(  # noqa: ASYNC220
                    [sys.executable, "-m", "service", command],
                    env={**env, variable: str(port)},
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    cwd=REPO,
                )
            await _wait_ready(f"http://127.0.0.1:{port}/readyz", log_path, children[command])
            log(f"{command} ready (log: {log_path})")

        def stop_pipeline() -> None:
            _terminate([children["relay"], children["project"]])

        pids = {name: child.pid for name, child in children.items()}
        pids |= {f"{name}-server": pid for name, pid in stack.pids.items()}
        yield Target(
            api_url=f"http://127.0.0.1:{api_port}",
            tokens_url=env["VAULT_TOKENS_URL"],
            merchant_id=merchant_id,
            api_key=(key.key_id, key.secret),
            payments=(payments.client_id, payments.secret),
            database_url=endpoints.database_url,
            kafka=endpoints.kafka_bootstrap_servers,
            personal_data_keks=personal_keks,
            token_keks=token_keks,
            work_dir=work_dir,
            env=env,
            pids=pids,
            tree_pids={"postgres-server", "api", "tokens"},  # the workers are children
            stop_pipeline=stop_pipeline,
        )
    finally:
        _terminate(list(children.values()))
        await asyncio.to_thread(stack.stop)
        log("stack stopped")
