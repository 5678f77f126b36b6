"""Least privilege, proved by trying: each runtime role is refused what it must not do.

The stacks the suite starts log in as these roles (tests/conftest.py `database_roles`), so a
missing grant fails the integration and e2e tests, and a grant too many fails here.
"""

from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import DatabaseRoles
from tests.support import VaultClient


async def refused(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)
    finally:
        await conn.close()


# What each service's role must not do: touch the other service's data, rewrite the event log,
# migrate or create objects.
REFUSED = {
    "vault": [
        "SELECT count(*) FROM tokens.instruments",
        "SELECT count(*) FROM tokens.service_clients",
        "SELECT count(*) FROM tokens.audit_outbox",
        "UPDATE vault.events SET data = data WHERE false",
        "DELETE FROM vault.events WHERE false",
        "TRUNCATE vault.events",
        "INSERT INTO vault.schema_migrations (name, sha256) VALUES ('x', 'y')",
        "CREATE TABLE vault.sneaky (id int)",
    ],
    "tokens": [
        "SELECT count(*) FROM vault.events",
        "SELECT count(*) FROM vault.profile_view",
        "SELECT count(*) FROM vault.card_view",
        "SELECT count(*) FROM vault.api_keys",
        "SELECT count(*) FROM vault.personal_data_keys",
        "UPDATE vault.events SET data = data WHERE false",
        "DELETE FROM vault.events WHERE false",
    ],
}


@pytest.mark.parametrize(
    "role, statement", [(role, s) for role, statements in REFUSED.items() for s in statements]
)
async def test_each_role_is_refused(
    database_roles: DatabaseRoles, role: str, statement: str
) -> None:
    url = database_roles.app_url if role == "vault" else database_roles.tokens_url
    await refused(url, statement)


async def test_the_roles_can_do_their_work(database_roles: DatabaseRoles) -> None:
    """The refusals above are privilege checks, not a broken login: the same connections read
    what their service owns."""
    for url, table in (
        (database_roles.app_url, "vault.events"),
        (database_roles.tokens_url, "tokens.instruments"),
    ):
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval(f"SELECT count(*) >= 0 FROM {table}") is True
        finally:
            await conn.close()


async def test_the_services_in_the_suite_connect_as_their_roles(
    client: VaultClient, pool: asyncpg.Pool, database_roles: DatabaseRoles
) -> None:
    """The vault API (and through it the token service) served a card: their connections are the
    runtime roles', not the owner's."""
    created = await client.create_profile()
    card = await client.request(
        "POST",
        f"/customervault/v1/profiles/{created['id']}/cards",
        {"cardNum": "4111111111111111", "cardExpiry": {"month": 12, "year": 2040}},
    )
    assert card.status == 201, card.text
    users = {r["usename"] for r in await pool.fetch("SELECT usename FROM pg_stat_activity")}
    assert {"vault_app", "vault_tokens"} <= users, users
