"""The token reconciler inside ``vault api``: one active across replicas (a PostgreSQL advisory
lock on a dedicated connection, as the relay's), a pass every interval (docs/crash-safety.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from infra import db
from infra.leadership import LeaderLoop, SessionLock
from infra.sqlfiles import load_sql
from infra.supervision import sleep_or_stop
from service.adapters.token_references import PostgresReferences
from service.adapters.token_service import TokenServiceUnavailable
from service.application.reconcile import Reconciliation, Report
from service.processes.wiring import token_client
from service.settings import Settings

log = logging.getLogger(__name__)

_TRY_LOCK = load_sql("service", "queries/reconciler_try_lock.sql")


@asynccontextmanager
async def reconciliation(settings: Settings) -> AsyncIterator[Reconciliation]:
    """A Reconciliation with its own small pool and token-service client, closed on exit."""
    pool = await db.create_pool(dataclasses.replace(settings.pool(), min_size=1), max_size=2)
    tokens = token_client(settings)
    await tokens.start()
    try:
        yield Reconciliation(
            PostgresReferences(pool), tokens, grace_seconds=settings.token_reconcile_grace_seconds
        )
    finally:
        await tokens.close()
        await pool.close()


class TokenReconciler(LeaderLoop):
    """Two reconcilers running at once (a lock lost unnoticed) would still be correct, each
    decision being safe on its own: the lock only saves the duplicate work."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        interval = settings.token_reconcile_interval_seconds
        lock = SessionLock(settings.database_url, _TRY_LOCK, (), interval)
        super().__init__("token reconciler", lock, self._reconcile)

    async def _reconcile(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        async with reconciliation(self._settings) as reconcile:
            while not stop.is_set():
                # The lock lives as long as this connection: a lost one ends the leadership.
                await conn.fetchval("SELECT 1")
                try:
                    await reconcile.run()
                except TokenServiceUnavailable as exc:
                    # An outage, not a bug: keep_running warns once and backs off.
                    raise ConnectionError(f"token service: {exc}") from exc
                self.health.ok()
                await sleep_or_stop(stop, self._settings.token_reconcile_interval_seconds)


async def reconcile_command(settings: Settings, *, dry_run: bool) -> int:
    """``vault tokens reconcile [--dry-run]``: one pass, progress on stderr, findings on stdout;
    exit status 3 when dangling references were found (nothing repairs them)."""

    def progress(merchant_id: uuid.UUID, report: Report) -> None:
        print(
            f"merchant {merchant_id}: {report.merchants} merchants, {report.live} live records, "
            f"{len(report.orphans)} orphans, {len(report.dangling)} dangling so far",
            file=sys.stderr,
        )

    async with reconciliation(settings) as reconcile:
        report = await reconcile.run(dry_run=dry_run, progress=progress)
    for merchant_id, token in report.orphans:
        done = "kept (dry run)" if dry_run else "destroyed"
        print(f"orphan\t{merchant_id}\t{token}\t{done}")
    for merchant_id, token in report.dangling:
        print(f"dangling\t{merchant_id}\t{token}")
    print(
        f"{report.merchants} merchants, {report.live} live records, {len(report.orphans)} "
        f"orphans ({report.destroyed} destroyed), {len(report.dangling)} dangling"
    )
    return 3 if report.dangling else 0
