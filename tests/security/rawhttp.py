"""Talking HTTP over a raw socket: the attacks here are requests no HTTP client library would send."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec


@dataclass
class RawReply:
    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes

    @property
    def json(self) -> Any:
        return msgspec.json.decode(self.body)


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def parse(raw: bytes) -> RawReply:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawReply(int(lines[0].split(" ")[1]), headers, body, raw)


async def send(url: str, request: bytes, timeout: float = 10.0) -> RawReply:
    """Send ``request`` as it is, read until the server closes, parse the (first) answer."""
    reader, writer = await asyncio.open_connection(*address(url))
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(timeout):
            raw = await reader.read(-1)
    finally:
        writer.close()
    return parse(raw)


async def seconds_until_closed(
    reader: asyncio.StreamReader, trickle: asyncio.StreamWriter | None = None, limit: float = 30.0
) -> float:
    """Time until the server closes the connection; with ``trickle``, one byte a second is sent
    meanwhile (a slow client)."""
    started = time.monotonic()
    async with asyncio.timeout(limit):
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), timeout=0.5)
            except TimeoutError:
                if trickle is not None:
                    trickle.write(b"a")
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
    return time.monotonic() - started
