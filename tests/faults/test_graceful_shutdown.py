"""SIGTERM under keep-alive traffic: the API process (a real one) finishes a request that is in
flight when its listener closes, answers during the drain with ``Connection: close`` on the
keep-alive connection the client already had, and no client sees a reset."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from service.settings import Settings
from service.tokens.settings import TokenServiceSettings
from tests.processes import build_stack

pytestmark = pytest.mark.integration


class CountingSession:
    """A keep-alive client that counts the TCP connections it opened."""

    def __init__(self, key_id: str, secret: str) -> None:
        self.connections = 0
        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(self._opened)
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1),
            trace_configs=[trace],
            headers={"Authorization": aiohttp.encode_basic_auth(key_id, secret)},
        )

    async def _opened(self, *_: object) -> None:
        self.connections += 1


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def until(condition_met: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = condition_met() if callable(condition_met) else condition_met
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


async def test_sigterm_finishes_in_flight_requests_and_closes_keep_alive_cleanly(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    settings: Settings,
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> None:
    stack = await build_stack(pool, process_env, token_settings.keks, tmp_path)
    api = stack.processes["api"]
    # A drain long enough for the test's steps, which wait on conditions, not on time.
    api.env["VAULT_SHUTDOWN_DRAIN_SECONDS"] = "5"
    api.start()
    holder: asyncpg.Connection = await asyncpg.connect(settings.database_url)
    writer = CountingSession(stack.merchant.key_id, stack.merchant.secret)
    idle = CountingSession(stack.merchant.key_id, stack.merchant.secret)
    try:
        await api.wait_ready()
        profiles = f"{stack.api_url}/customervault/v1/profiles"
        customer = str(uuid.uuid4())
        async with writer.session.post(
            profiles, json={"merchantCustomerId": customer, "locale": "en_US"}
        ) as created:
            assert created.status == 201
            profile_id = (await created.json())["id"]
        async with idle.session.get(f"{stack.api_url}/customervault/monitor") as first:
            assert first.status == 200 and first.headers.get("Connection") != "close"
        # A keep-alive connection that stays idle through the whole shutdown.
        silent = socket.create_connection(("127.0.0.1", stack.api_port), timeout=10)
        silent.sendall(b"GET /customervault/monitor HTTP/1.1\r\nHost: vault\r\n\r\n")
        assert silent.recv(65536).startswith(b"HTTP/1.1 200")

        # Hold the next version of the profile's stream: the API's append waits on this row.
        await holder.execute("BEGIN")
        await holder.execute(
            "INSERT INTO vault.events (stream_id, stream_version, event_id, event_type,"
            " schema_version, data) VALUES ($1, 2, $2, 'Held', 1, '\\x00')",
            f"profile-{profile_id}",
            uuid.uuid4(),
        )
        update = {"merchantCustomerId": customer, "locale": "en_US", "firstName": "Held"}
        in_flight = asyncio.create_task(writer.session.put(f"{profiles}/{profile_id}", json=update))
        blocked = "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))"
        await until(
            lambda: holder.fetchval(blocked, holder.get_server_pid()), "the PUT is in flight"
        )

        assert api.popen is not None
        api.popen.send_signal(signal.SIGTERM)
        async with aiohttp.ClientSession() as probe:

            async def not_ready() -> bool:
                async with probe.get(f"{api.metrics_url}/readyz") as ready:
                    return ready.status == 503

            await until(not_ready, "readiness turned false")

        # During the drain, on the keep-alive connection opened before SIGTERM.
        async with idle.session.get(f"{stack.api_url}/customervault/monitor") as drained:
            assert drained.status == 200
            assert drained.headers["Connection"] == "close"
        assert idle.connections == 1, "the drain answer came on the existing connection"

        # The listener closes while the PUT is still held: it must finish all the same.
        await until(lambda: not listening(stack.api_port), "the listener closed")
        assert not in_flight.done()
        await holder.execute("ROLLBACK")
        response = await asyncio.wait_for(in_flight, timeout=30)
        async with response:
            assert response.status == 200, await response.text()
            assert response.headers["Connection"] == "close"
        assert writer.connections == 1, "the PUT was sent on the keep-alive connection"
        assert api.popen.wait(timeout=30) == 0
        # Closed with a FIN (recv returns b""), not a reset (which would raise).
        assert silent.recv(65536) == b""
        silent.close()
    finally:
        await writer.session.close()
        await idle.session.close()
        await holder.close()
        api.kill()
