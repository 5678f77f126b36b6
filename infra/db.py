"""The asyncpg pool every process uses, with the session settings the event store relies on."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from infra.transport_settings import DatabaseTlsSettings

SSL_MODES = ("", "disable", "require", "verify-ca", "verify-full")


@dataclass(frozen=True, kw_only=True)
class PoolSettings:
    url: str
    min_size: int = 2
    max_size: int = 20
    idle_in_transaction_timeout_ms: int = 10_000
    statement_timeout_ms: int = 10_000
    application_name: str = "customer-vault"
    # VAULT_DB_SSLMODE / VAULT_DB_SSLROOTCERT (docs/configuration.md); empty: as DATABASE_URL says
    # (its own sslmode/sslrootcert parameters, which also reach the relay's and migrations'
    # connections), else asyncpg's default.
    ssl_mode: str = field(default_factory=lambda: DatabaseTlsSettings.from_env().ssl_mode)
    ssl_root_cert: str = field(default_factory=lambda: DatabaseTlsSettings.from_env().ssl_root_cert)


def ssl_context(mode: str, root_cert: str = "") -> ssl.SSLContext | bool | None:
    """What asyncpg's ``ssl=`` takes for a libpq-style ``sslmode``: None leaves the URL's choice.
    verify-full checks the chain against ``root_cert`` and the host name; verify-ca only the chain;
    require encrypts without verifying (it protects against passive eavesdropping only)."""
    if mode not in SSL_MODES:
        raise ValueError(f"VAULT_DB_SSLMODE must be one of {', '.join(SSL_MODES[1:])}")
    if not mode:
        return None
    if mode == "disable":
        return False
    context = ssl.create_default_context(cafile=root_cert or None)
    if mode == "require":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode == "verify-ca":
        context.check_hostname = False
    return context


async def keep_session(connection: asyncpg.Connection) -> None:
    """asyncpg's pool resets every connection it gets back (RESET ALL, UNLISTEN, advisory unlock):
    one more round trip per request, about 7% of the API's CPU in the benchmarks. The vault's pooled
    connections never hold session state: settings are SET LOCAL, no LISTEN, no session advisory
    locks (the relay, the audit publisher and migrations use connections of their own), and
    transactions always end in their ``async with``. So there is nothing to reset."""


async def create_pool(settings: PoolSettings, *, max_size: int | None = None) -> asyncpg.Pool:
    size = max_size or settings.max_size
    pool = await asyncpg.create_pool(
        settings.url,
        min_size=min(settings.min_size, size),
        max_size=size,
        server_settings={
            # A transaction left open holds back the xmin horizon, and with it the relay: cap it.
            "idle_in_transaction_session_timeout": str(settings.idle_in_transaction_timeout_ms),
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": settings.application_name,
        },
        reset=keep_session,
        **ssl_options(settings.ssl_mode, settings.ssl_root_cert),
    )
    assert pool is not None
    return pool


def ssl_options(mode: str | None = None, root_cert: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``asyncpg.connect``/``create_pool``: ``ssl`` for the given sslmode, or
    for VAULT_DB_SSLMODE/VAULT_DB_SSLROOTCERT; nothing when unset (the URL decides). Every
    connection of the vault takes them: pools, the relay, the audit publisher, migrations."""
    declared = DatabaseTlsSettings.from_env()
    mode = declared.ssl_mode if mode is None else mode
    root_cert = declared.ssl_root_cert if root_cert is None else root_cert
    chosen = ssl_context(mode, root_cert)
    return {} if chosen is None else {"ssl": chosen}
