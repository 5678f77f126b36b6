"""``vault api --workers 2``: two processes serve one port (SO_REUSEPORT) under a supervisor that
restarts a worker that died and forwards SIGTERM to all of them."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from infra.workers import METRICS_PORT_STRIDE, worker_count
from service.settings import Settings
from service.tokens.settings import TokenServiceSettings
from tests.processes import build_stack


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] != "Z":
                found.add(int(entry.name))
    return found


async def _ready(session: aiohttp.ClientSession, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"worker on ops port {port} not ready")


def test_worker_count_reads_flag_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def configured() -> str:
        return Settings.from_env().api_workers

    monkeypatch.setenv("VAULT_API_WORKERS", "3")
    assert worker_count(None, configured(), "VAULT_API_WORKERS") == 3
    assert worker_count(2, configured(), "VAULT_API_WORKERS") == 2
    monkeypatch.setenv("VAULT_API_WORKERS", "auto")
    assert worker_count(None, configured(), "VAULT_API_WORKERS") == (os.cpu_count() or 1)
    for bad in ("0", "many"):
        monkeypatch.setenv("VAULT_API_WORKERS", bad)
        with pytest.raises(ValueError, match=r"VAULT_API_WORKERS|at least 1"):
            worker_count(None, configured(), "VAULT_API_WORKERS")


async def test_two_api_workers_share_the_port_and_survive_a_worker_crash(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    settings: Settings,
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> None:
    stack = await build_stack(pool, process_env, token_settings.keks, tmp_path, ("tokens", "api"))
    api = stack.processes["api"]
    api.env["VAULT_API_WORKERS"] = "2"
    tokens = stack.processes["tokens"]
    try:
        tokens.start()
        await tokens.wait_ready()
        api.start()
        assert api.popen is not None
        ops_ports = [api.metrics_port, api.metrics_port + METRICS_PORT_STRIDE]
        profiles = f"{stack.api_url}/customervault/v1/profiles"
        auth = {
            "Authorization": aiohttp.encode_basic_auth(stack.merchant.key_id, stack.merchant.secret)
        }
        async with aiohttp.ClientSession(headers=auth) as session:
            for port in ops_ports:
                await _ready(session, port)
            workers = _children(api.popen.pid)
            assert len(workers) == 2

            async def create(i: int) -> int:
                body = {"merchantCustomerId": f"w-{i}-{time.time_ns()}", "locale": "en_US"}
                # a fresh connection each: the kernel spreads connections over the workers
                async with (
                    aiohttp.ClientSession(headers=auth) as fresh,
                    fresh.post(profiles, json=body) as response,
                ):
                    return response.status

            assert set(await asyncio.gather(*(create(i) for i in range(20)))) == {201}

            crashed = min(workers)
            os.kill(crashed, signal.SIGKILL)
            # Connections already queued on a killed worker's socket are reset (SO_REUSEPORT keeps
            # one accept queue per socket): wait for the death, not for the restart.
            while crashed in _children(api.popen.pid):
                await asyncio.sleep(0.01)
            # the survivor keeps answering while the supervisor restarts the dead one
            assert set(await asyncio.gather(*(create(i) for i in range(10)))) == {201}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                now = _children(api.popen.pid)
                if len(now) == 2 and crashed not in now:
                    break
                await asyncio.sleep(0.1)
            assert len(now) == 2 and crashed not in now, now
            for port in ops_ports:
                await _ready(session, port)
            assert set(await asyncio.gather(*(create(i) for i in range(10)))) == {201}

        code, _ = api.terminate()
        assert code == 0
        assert _children(api.popen.pid) == set()
    finally:
        api.kill()
        tokens.kill()
