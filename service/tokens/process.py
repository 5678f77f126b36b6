"""``vault tokens`` and its one-shot commands: the process, service clients, key operations."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid

import asyncpg
from aiohttp import web

from events.topics import ensure_topic
from infra.db import ssl_options
from infra.http_server import metrics_host
from infra.lifecycle import Site, run_process
from infra.pepper import Pepper
from infra.probes import Readiness, kafka_check
from infra.supervision import sleep_or_stop
from service.tokens import keyops
from service.tokens.app import STORE, audit_failed_logins, create_app
from service.tokens.audit import AuditOutbox, AuditPublisher, PublisherSettings
from service.tokens.clients import create_client, pepper_clients, revoke_client
from service.tokens.keyring import TokenKeyring
from service.tokens.sealing import RecordCipher
from service.tokens.settings import TokenServiceSettings
from service.tokens.store import TokenStore

log = logging.getLogger(__name__)
METRICS_HOST = metrics_host()


def keyring_from(settings: TokenServiceSettings) -> TokenKeyring:
    return TokenKeyring.from_settings(
        settings.keyring_dir, settings.keks, settings.keyring_reload_seconds
    )


def audit_publisher(settings: TokenServiceSettings) -> AuditPublisher:
    return AuditPublisher(
        PublisherSettings(
            database_url=settings.database_url,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            retention_seconds=settings.audit_retention_seconds,
        )
    )


async def run_tokens(settings: TokenServiceSettings) -> None:
    keyring = keyring_from(settings)
    await ensure_topic(
        settings.kafka_bootstrap_servers,
        settings.audit_topic,
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
    )
    readiness = Readiness()
    readiness.checks["kafka"] = kafka_check(settings.kafka_bootstrap_servers)
    app = create_app(settings, keyring, readiness)
    publisher = audit_publisher(settings)
    readiness.checks["audit-publisher"] = publisher.health.check

    async def purge(stop: asyncio.Event) -> None:
        await purge_expired_until_stopped(app, settings.single_use_purge_seconds, stop)

    async def failed_logins(stop: asyncio.Event) -> None:
        await audit_failed_logins(app, stop)

    await run_process(
        "tokens",
        readiness,
        metrics_host=METRICS_HOST,
        metrics_port=settings.metrics_port,
        sites=[Site(app, settings.host, settings.port)],
        loops=[publisher.run, purge, failed_logins],
        grace_seconds=settings.shutdown_grace_seconds,
        drain_seconds=settings.shutdown_drain_seconds,
    )


async def purge_expired_until_stopped(
    app: web.Application, interval: float, stop: asyncio.Event
) -> None:
    """Destroy expired single-use records (their CVV) every ``interval`` seconds."""
    while not stop.is_set():
        await sleep_or_stop(stop, interval)
        if stop.is_set() or STORE not in app:
            continue
        try:
            await app[STORE].purge_expired_single_use()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("single-use purge failed, retrying", extra={"error": repr(exc)})


async def _pool(settings: TokenServiceSettings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2, **ssl_options())
    assert pool is not None
    return pool


async def create_service_client(
    settings: TokenServiceSettings,
    name: str,
    scopes: list[str],
    merchants: list[uuid.UUID],
    *,
    all_merchants: bool,
) -> None:
    pool = await _pool(settings)
    try:
        issued = await create_client(
            pool, name, scopes, merchants=merchants, all_merchants=all_merchants
        )
    finally:
        await pool.close()
    bound = "*" if issued.all_merchants else ",".join(map(str, issued.merchants))
    # Shown once: only a digest of the secret is stored.
    print(
        f"client_id={issued.client_id}\nsecret={issued.secret}\nscopes={','.join(issued.scopes)}"
        f"\nmerchants={bound}"
    )


async def revoke_service_client(settings: TokenServiceSettings, client_id: str) -> int:
    pool = await _pool(settings)
    try:
        revoked = await revoke_client(pool, client_id)
    finally:
        await pool.close()
    if not revoked:
        print(f"no live client {client_id}", file=sys.stderr)
        return 1
    print(
        f"revoked {client_id}; every replica refuses it within "
        f"{settings.client_cache_seconds:g} s (VAULT_TOKENS_CLIENT_CACHE_SECONDS)"
    )
    return 0


async def pepper_service_clients(settings: TokenServiceSettings) -> int:
    pool = await _pool(settings)
    try:
        count = await pepper_clients(pool, Pepper.from_env())
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(f"peppered {count} service-client secret digest(s)")
    return 0


async def purge_expired(settings: TokenServiceSettings) -> None:
    pool = await _pool(settings)
    try:
        store = TokenStore(
            pool,
            RecordCipher(keyring_from(settings)),
            AuditOutbox(settings.audit_topic),
            single_use_ttl_seconds=settings.single_use_ttl_seconds,
        )
        print(f"destroyed {await store.purge_expired_single_use()} expired single-use record(s)")
    finally:
        await pool.close()


async def keys_command(
    settings: TokenServiceSettings,
    action: str,
    kek_id: str | None,
    batch: int,
    only_kek: str | None = None,
) -> int:
    """``vault keys rotate|rewrap|retire|status``; returns the exit status."""
    if action == "rotate":
        new_id = keyops.rotate(settings.keyring_dir)
        print(f"created KEK {new_id} and made it active; now run `vault keys rewrap`")
        return 0
    if action in ("rewrap", "retire"):
        keyops.require_dir(settings.keyring_dir)
    keyring = keyring_from(settings)
    pool = await _pool(settings)
    try:
        if action == "rewrap":
            result = await keyops.rewrap(pool, keyring, batch, only_kek)
            print(
                f"rewrapped {result.records} record(s) and {result.secrets} fingerprint secret(s)"
            )
            if result.failed:
                print(f"{result.failed} item(s) failed to decrypt; see the logs", file=sys.stderr)
                return 1
        elif action == "retire":
            assert kek_id is not None
            settle = 2 * settings.keyring_reload_seconds
            await keyops.retire(pool, settings.keyring_dir, kek_id, settle)
            print(f"retired KEK {kek_id}")
        else:
            print("\n".join(await keyops.status(pool, keyring)))
    finally:
        await pool.close()
    return 0
