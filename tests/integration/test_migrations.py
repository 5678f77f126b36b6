"""Migrations apply once, refuse edited history, and leave the runtime role least-privileged."""

from __future__ import annotations

import asyncpg
import pytest

from service.admin.migrations import MIGRATIONS, migrate


async def test_migrate_is_idempotent_and_recorded(owner_url: str, pool: asyncpg.Pool) -> None:
    assert await migrate(owner_url) == []
    names = {r["name"] for r in await pool.fetch("SELECT name FROM vault.schema_migrations")}
    assert {f"{package}/{path}" for package, path in MIGRATIONS} <= names


@pytest.mark.parametrize(
    ("table", "privilege", "granted"),
    [
        ("vault.events", "INSERT", True),
        ("vault.events", "SELECT", True),
        ("vault.events", "UPDATE", False),
        ("vault.events", "DELETE", False),
        ("vault.profile_view", "UPDATE", True),
        ("vault.schema_migrations", "INSERT", False),
    ],
)
async def test_runtime_role_cannot_rewrite_events(
    pool: asyncpg.Pool, table: str, privilege: str, granted: bool
) -> None:
    assert (
        await pool.fetchval("SELECT has_table_privilege('vault_app', $1, $2)", table, privilege)
        is granted
    )
