"""Running the real processes (`python -m service …`) against the test stack, logs captured."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from service.api.auth import IssuedKey, create_merchant, issue_api_key
from service.tokens.clients import IssuedClient, create_client
from tests.support import free_port

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Process:
    name: str
    command: str
    env: dict[str, str]
    log: Path
    metrics_port: int
    popen: subprocess.Popen[bytes] | None = None

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    def start(self) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "service", self.command],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        handle.close()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.popen is not None and self.popen.poll() is None, self.log.read_text()
                try:
                    async with session.get(f"{self.metrics_url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready:\n{self.log.read_text()[-3000:]}")

    def terminate(self, timeout: float = 30.0) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds until exit)."""
        assert self.popen is not None
        started = time.monotonic()
        self.popen.send_signal(signal.SIGTERM)
        code = self.popen.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


@dataclass
class Stack:
    """tokens, api, relay and projector as separate processes, each with its own log file."""

    base_env: dict[str, str]
    work_dir: Path
    topic: str
    audit_topic: str
    merchant: IssuedKey
    sut_key: IssuedKey
    payments: IssuedClient
    api_port: int = field(default_factory=free_port)
    tokens_port: int = field(default_factory=free_port)
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def tokens_url(self) -> str:
        return f"http://127.0.0.1:{self.tokens_port}"

    def add(self, name: str, command: str, env: dict[str, str]) -> Process:
        port = free_port()
        variable = "VAULT_TOKENS_METRICS_PORT" if command == "tokens" else "VAULT_METRICS_PORT"
        process = Process(
            name, command, {**env, variable: str(port)}, self.work_dir / f"{name}.log", port
        )
        self.processes[name] = process
        return process

    async def start_all(self) -> None:
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            await process.wait_ready()

    def logs(self) -> dict[str, str]:
        return {name: p.log.read_text() for name, p in self.processes.items()}

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is None:
                process.terminate()


PROCESSES = {"tokens": "tokens", "api": "api", "relay": "relay", "projector": "project"}
"""Every process of a stack: name -> `vault` command."""


async def build_stack(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    token_keks: str,
    work_dir: Path,
    processes: tuple[str, ...] = tuple(PROCESSES),
) -> Stack:
    """A stack of ``processes`` (all four unless told), not started. Its relay has a name of its
    own (the stack's topic) and starts at the store's head (VAULT_RELAY_START=head): it publishes
    what the test writes, not the history every earlier test wrote."""
    merchant_id = await create_merchant(pool, f"processes-{uuid.uuid4()}")
    merchant = await issue_api_key(pool, merchant_id, "server")
    sut_key = await issue_api_key(pool, merchant_id, "single_use")
    vault_client = await create_client(
        pool, "vault-api-process", ["tokenize", "audit", "reconcile"], all_merchants=True
    )
    payments = await create_client(
        pool, "payments-process", ["detokenize"], merchants=[merchant_id]
    )
    suffix = uuid.uuid4().hex[:10]
    stack = Stack(
        base_env={},
        work_dir=work_dir,
        topic=f"proc.profile-events.{suffix}",
        audit_topic=f"proc.token-access.{suffix}",
        merchant=merchant,
        sut_key=sut_key,
        payments=payments,
    )
    env = {
        **process_env,
        "VAULT_TOKEN_KEKS": token_keks,
        "VAULT_PROFILE_EVENTS_TOPIC": stack.topic,
        "VAULT_TOKEN_AUDIT_TOPIC": stack.audit_topic,
        "VAULT_TOPIC_PARTITIONS": "3",
        "VAULT_API_PORT": str(stack.api_port),
        "VAULT_TOKENS_PORT": str(stack.tokens_port),
        "VAULT_TOKENS_URL": stack.tokens_url,
        "VAULT_TOKENS_CLIENT_ID": vault_client.client_id,
        "VAULT_TOKENS_CLIENT_SECRET": vault_client.secret,
        "VAULT_SHUTDOWN_GRACE_SECONDS": "10",
        "VAULT_LOG_LEVEL": "INFO",
        "VAULT_RELAY_START": "head",
    }
    stack.base_env = env
    for name in processes:
        stack.add(name, PROCESSES[name], env)
    return stack


async def relayed_everything(pool: asyncpg.Pool, relay_name: str) -> bool:
    """The relay ``relay_name`` has published every event committed so far: its checkpoint exists
    and no event lies after it in commit order (whatever position it started from)."""
    return bool(
        await pool.fetchval(
            "SELECT EXISTS (SELECT FROM vault.relay_checkpoints WHERE relay_name = $1) "
            "AND NOT EXISTS (SELECT FROM vault.events e, vault.relay_checkpoints c "
            "WHERE c.relay_name = $1 "
            "AND (e.tx_id, e.global_position) > (c.tx_id::text::xid8, c.global_position))",
            relay_name,
        )
    )


async def vault_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run one `vault …` command; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def requests_waiting_at(port: int) -> int:
    """Connections to 127.0.0.1:``port`` whose request bytes the (stopped) server has not read:
    those in its accept queue plus accepted ones with unread data (/proc/net/tcp, IPv4)."""
    waiting = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, queues = fields[1], fields[3], fields[4]
        if int(local.split(":")[1], 16) != port:
            continue
        unread = int(queues.split(":")[1], 16)
        if state == "0A":  # LISTEN: the receive queue is the accept backlog
            waiting += unread
        elif state == "01" and unread:  # ESTABLISHED with a request not yet read
            waiting += 1
    return waiting


async def draining(process: Process) -> bool:
    """The process said NOT_READY: it received SIGTERM and is draining."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{process.metrics_url}/readyz") as ready,
    ):
        return ready.status == 503
