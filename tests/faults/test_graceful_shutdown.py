"""SIGTERM under keep-alive traffic: the API process (a real one) finishes a request that is in
flight when its listener closes, answers during the drain with ``Connection: close`` on the
keep-alive connection the client already had, and no client sees a reset. And the step that
stops accepting (in-process, so the test decides when the event loop runs) answers the requests
the kernel had already received: connections still in the accept queue and a request waiting on
an open keep-alive connection."""

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
from aiohttp import web

from infra.lifecycle import ServiceSite, Site
from infra.probes import Readiness
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


REQUEST = b"GET /monitor HTTP/1.1\r\nHost: vault\r\n\r\n"


def read_response(connection: socket.socket) -> bytes:
    """One response: its head and a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return data


def read_to_end(connection: socket.socket) -> bytes:
    """Everything until the server's FIN; a reset raises ConnectionResetError."""
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    return data


def accept_queue_length(port: int) -> int:
    """Connections waiting in the accept queue of the listener on 127.0.0.1:``port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":  # LISTEN
            return int(fields[4].split(":")[1], 16)
    raise AssertionError(f"nothing listens on {port}")


async def test_stopping_answers_the_requests_the_kernel_already_received() -> None:
    async def monitor(_: web.Request) -> web.Response:
        return web.json_response({"status": "READY"})

    app = web.Application()
    app.router.add_get("/monitor", monitor)
    readiness = Readiness()
    service = ServiceSite(Site(app, "127.0.0.1", 0), readiness, grace_seconds=5, reuse_port=False)
    await service.start()
    port = service.port
    kept = socket.create_connection(("127.0.0.1", port), timeout=5)
    queued: list[socket.socket] = []
    try:
        kept.sendall(REQUEST)
        first = await asyncio.to_thread(read_response, kept)
        assert first.startswith(b"HTTP/1.1 200") and b"Connection: close" not in first

        readiness.shutting_down = True
        # The event loop does not run from here until stop_accepting(): these reach the kernel
        # only, three handshakes completed into the accept queue and four requests received.
        queued = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        for connection in [*queued, kept]:
            connection.sendall(REQUEST)
        assert accept_queue_length(port) == 3
        await service.stop_accepting()

        assert not listening(port)
        await service.runner.cleanup()
        answers = await asyncio.gather(
            *(asyncio.to_thread(read_to_end, c) for c in [*queued, kept])
        )
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 200"), answer
            assert b"Connection: close" in answer, answer
            assert answer.count(b"HTTP/1.1") == 1, answer
    finally:
        for connection in [*queued, kept]:
            connection.close()
