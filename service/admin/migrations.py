"""``vault migrate``: apply the schema files in order, once each, under an advisory lock."""

from __future__ import annotations

import hashlib
import logging

import asyncpg

from infra.db import ssl_options
from infra.sqlfiles import load_sql
from service.tokens.schema import TOKEN_MIGRATIONS

log = logging.getLogger(__name__)

# (package, file under <package>/sql/). Append only: an applied migration is never edited.
VAULT_MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("events", "schema/events.sql"),
    ("events", "schema/events_immutable.sql"),
    ("events", "schema/relay_checkpoints.sql"),
    ("events", "schema/personal_data_keys.sql"),
    ("service", "schema/merchants.sql"),
    ("service", "schema/api_keys.sql"),
    ("service", "schema/merchant_customer_ids.sql"),
    ("projections", "schema/profile_view.sql"),
    ("projections", "schema/address_view.sql"),
    ("projections", "schema/projection_positions.sql"),
    ("projections", "schema/customer_search.sql"),
    ("projections", "schema/instrument_views.sql"),
    ("service", "schema/vault_app_grants.sql"),
    ("service", "schema/api_keys_pepper.sql"),
    ("events", "schema/events_notify.sql"),
    ("service", "schema/idempotency_keys.sql"),
)
# Applied by name, so the two lists can each grow at their end independently.
MIGRATIONS = VAULT_MIGRATIONS + TOKEN_MIGRATIONS
_LOCK_KEY = 0x4D494752  # "MIGR": concurrent `vault migrate` runs (several pods) take turns


class MigrationChanged(Exception):
    pass


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; return the names applied by this call."""
    conn = await asyncpg.connect(database_url, **ssl_options())
    applied_now: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        await conn.execute(load_sql("service", "schema/schema_migrations.sql"))
        done = {
            r["name"]: r["sha256"]
            for r in await conn.fetch("SELECT name, sha256 FROM vault.schema_migrations")
        }
        for package, path in MIGRATIONS:
            name = f"{package}/{path}"
            sql = load_sql(package, path)
            digest = hashlib.sha256(sql.encode()).hexdigest()
            if name in done:
                if done[name] != digest:
                    raise MigrationChanged(f"{name} was edited after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO vault.schema_migrations (name, sha256) VALUES ($1, $2)",
                    name,
                    digest,
                )
            log.info("applied migration", extra={"migration": name})
            applied_now.append(name)
    finally:
        await conn.close()  # releases the advisory lock
    return applied_now
