"""Idle, slow-header and slow-body connections are closed within the configured limits, and
connections beyond the cap are refused, so a few clients cannot hold the server's sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from events.crypto import Keyring
from infra.http_server import ServerRunner
from infra.transport_settings import HttpEdgeSettings
from service.api.app import create_app
from service.settings import Settings
from tests.security.rawhttp import address, parse, seconds_until_closed

LIMITS = HttpEdgeSettings(idle_timeout_seconds=1.0, body_timeout_seconds=1.5, max_connections=4)


@pytest.fixture
async def strict_url(api_settings: Settings, keyring: Keyring) -> AsyncIterator[str]:
    runner = ServerRunner(create_app(api_settings, keyring), limits=LIMITS, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_an_idle_connection_is_closed(strict_url: str) -> None:
    reader, writer = await asyncio.open_connection(*address(strict_url))
    try:
        assert await seconds_until_closed(reader) < LIMITS.idle_timeout_seconds + 1.0
    finally:
        writer.close()


async def test_a_kept_alive_connection_is_closed_when_idle(strict_url: str) -> None:
    reader, writer = await asyncio.open_connection(*address(strict_url))
    try:
        writer.write(b"GET /customervault/monitor HTTP/1.1\r\nHost: a\r\n\r\n")
        first = await reader.readuntil(b"READY")
        assert b"200 OK" in first
        assert await seconds_until_closed(reader) < LIMITS.idle_timeout_seconds + 1.0
    finally:
        writer.close()


async def test_slow_headers_are_cut_off(strict_url: str) -> None:
    reader, writer = await asyncio.open_connection(*address(strict_url))
    try:
        writer.write(b"GET /customervault/monitor HTTP/1.1\r\nHost: a\r\nX-Slow: ")
        assert (
            await seconds_until_closed(reader, trickle=writer) < LIMITS.idle_timeout_seconds + 1.0
        )
    finally:
        writer.close()


async def test_a_slow_body_is_answered_408_and_cut_off(strict_url: str) -> None:
    reader, writer = await asyncio.open_connection(*address(strict_url))
    received = bytearray()
    try:
        writer.write(
            b"POST /customervault/v1/profiles HTTP/1.1\r\nHost: a\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(LIMITS.body_timeout_seconds + 3.0):
            while chunk := await _read_or_trickle(reader, writer):
                received += chunk
        assert loop.time() - started < LIMITS.body_timeout_seconds + 2.0
    finally:
        writer.close()
    reply = parse(bytes(received))
    assert reply.status == 408 and reply.json["error"]["code"] == "5023"


async def _read_or_trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    while True:
        try:
            return await asyncio.wait_for(reader.read(65536), timeout=0.3)
        except TimeoutError:
            writer.write(b" ")
        except ConnectionResetError:
            return b""


async def test_connections_beyond_the_cap_are_refused(strict_url: str) -> None:
    held = [
        await asyncio.open_connection(*address(strict_url)) for _ in range(LIMITS.max_connections)
    ]
    try:
        reader, writer = await asyncio.open_connection(*address(strict_url))
        async with asyncio.timeout(5):
            reply = parse(await reader.read(-1))
        writer.close()
        assert reply.status == 503 and reply.json["error"]["code"] == "1000"
        assert reply.headers["x-content-type-options"] == "nosniff"
    finally:
        for _, w in held:
            w.close()
