"""``vault api``: the Paysafe-compatible vault API process."""

from __future__ import annotations

from events.crypto import Keyring
from infra.lifecycle import Site, run_process
from infra.probes import Readiness
from service.api.app import create_app
from service.processes.reconciler import TokenReconciler
from service.processes.wiring import METRICS_HOST
from service.settings import Settings


async def run_api(settings: Settings, keyring: Keyring) -> None:
    readiness = Readiness()
    app = create_app(settings, keyring, readiness)
    await run_process(
        "api",
        readiness,
        metrics_host=METRICS_HOST,
        metrics_port=settings.metrics_port,
        sites=[Site(app, settings.api_host, settings.api_port)],
        loops=[TokenReconciler(settings).run],
        grace_seconds=settings.shutdown_grace_seconds,
        drain_seconds=settings.shutdown_drain_seconds,
    )
