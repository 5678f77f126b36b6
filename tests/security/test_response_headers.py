"""Every answer of both services says nosniff and names no server software version; the ops
port's own 404 and 405 are Paysafe JSON."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from infra.http_server import ServerRunner, metrics_host
from infra.probes import Readiness, ops_app
from tests.support import VaultClient

API_PATHS = [
    ("GET", "/customervault/monitor"),
    ("GET", "/customervault/v1/openapi.json"),
    ("GET", "/customervault/v1/profiles?merchantCustomerId=nobody"),
    ("GET", "/nowhere"),
    ("DELETE", "/customervault/monitor"),
    ("POST", "/customervault/v1/profiles"),
]
TOKEN_PATHS = [("GET", "/tokens/v1/openapi.json"), ("POST", "/tokens/v1/resolve"), ("GET", "/x")]


def _check(headers: dict[str, str]) -> None:
    assert headers.get("X-Content-Type-Options") == "nosniff"
    server = headers.get("Server", "")
    assert "aiohttp" not in server.lower() and "python" not in server.lower()
    assert not any(ch.isdigit() for ch in server), server


@pytest.mark.parametrize(("method", "path"), API_PATHS)
async def test_vault_api_answers(client: VaultClient, method: str, path: str) -> None:
    _check((await client.request(method, path, raw=b"{")).headers)


@pytest.mark.parametrize(("method", "path"), TOKEN_PATHS)
async def test_token_service_answers(tokens_url: str, method: str, path: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, tokens_url + path) as response,
    ):
        _check(dict(response.headers))


async def test_ops_port_answers_and_binds_to_loopback_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VAULT_METRICS_HOST", raising=False)
    assert metrics_host() == "127.0.0.1"
    assert metrics_host({"VAULT_METRICS_HOST": "0.0.0.0"}) == "0.0.0.0"
    runner = ServerRunner(ops_app(Readiness()))
    await runner.setup()
    site = web.TCPSite(runner, metrics_host(), 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        assert host == "127.0.0.1"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://{host}:{port}/metrics") as response:
                assert response.status == 200
                _check(dict(response.headers))
            # Its own refusals are Paysafe JSON like every other answer.
            for method, path, status, code in (
                ("GET", "/nowhere", 404, "5273"),
                ("POST", "/healthz", 405, "5281"),
            ):
                async with session.request(method, f"http://{host}:{port}{path}") as response:
                    assert response.status == status
                    assert response.content_type == "application/json"
                    assert response.headers["X-Application-Status-Code"] == code
                    assert (await response.json())["error"]["code"] == code
                    _check(dict(response.headers))
    finally:
        await runner.cleanup()
