"""The operations endpoints every process serves on its metrics port: /metrics, /healthz, /readyz."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from infra import errors
from infra.kafka_security import kafka_security

ReadinessCheck = Callable[[], Awaitable[None]]
"""Raises when a dependency is not usable; its name is the key it is registered under."""


READY = Gauge("vault_ready", "1 when the last /readyz answered READY (probed every few seconds)")
log = logging.getLogger(__name__)
# Unknown paths and methods answered like the services' own (Paysafe JSON, not aiohttp's text).
_ERRORS = errors.error_middleware(errors.framework_errors(), log=log)
# A frozen dependency must read as DOWN within the kubelet's probe timeout, not hang the probe.
CHECK_TIMEOUT_SECONDS = 2.5


class Readiness:
    def __init__(self) -> None:
        self.checks: dict[str, ReadinessCheck] = {}
        self.shutting_down = False


def kafka_check(bootstrap_servers: str) -> ReadinessCheck:
    """Readiness of a Kafka dependency: the cluster answers a metadata request."""

    async def kafka() -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers, request_timeout_ms=2000, **kafka_security()
        )
        await admin.start()
        try:
            await admin.describe_cluster()
        finally:
            await admin.close()

    return kafka


def ops_app(readiness: Readiness) -> web.Application:
    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "UP"})

    async def readyz(_: web.Request) -> web.Response:
        results: dict[str, str] = {}
        ready = not readiness.shutting_down
        for name, check in readiness.checks.items():
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                    await check()
                results[name] = "UP"
            except Exception as exc:  # a readiness probe reports, it does not crash
                results[name] = f"DOWN: {type(exc).__name__}"
                ready = False
        READY.set(1 if ready else 0)
        body = {"status": "READY" if ready else "NOT_READY", "checks": results}
        return web.json_response(body, status=200 if ready else 503)

    app = web.Application(middlewares=[_ERRORS])
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
