"""The vault API application: routes, middlewares and resource lifecycles."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from infra import db
from infra.probes import Readiness
from service.adapters.idempotency_store import PostgresIdempotency, purge_idempotency_records
from service.adapters.profile_store import PostgresProfileStore, postgres_profile_commands
from service.api import search
from service.api.auth import Authenticator
from service.api.card_accesses import ACCESS_LEDGER
from service.api.context import BANK_ACCOUNTS, CARDS, COMMANDS, PROFILES_SERVICE, VIEW
from service.api.history import HISTORY
from service.api.idempotency import IDEMPOTENCY
from service.api.middleware import AUTHENTICATOR, request_context
from service.api.routes import route_tree
from service.api.routing import PUBLIC_BASE_URL
from service.api.views import ProfileView
from service.application.bank_accounts import BankAccounts
from service.application.cards import Cards
from service.application.history import ProfileHistory
from service.application.lifecycle import Profiles
from service.processes.wiring import token_client
from service.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
READINESS = web.AppKey("readiness", Readiness)
MAX_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings, keyring: Keyring, readiness: Readiness | None = None
) -> web.Application:
    app = web.Application(middlewares=[request_context], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[PUBLIC_BASE_URL] = settings.public_base_url
    app[READINESS] = checks = readiness or Readiness()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        pool = await db.create_pool(settings.pool())
        commands = postgres_profile_commands(
            pool, PersonalDataKeys(keyring), max_attempts=settings.command_max_attempts
        )
        app[COMMANDS] = commands
        app[HISTORY] = ProfileHistory(PostgresProfileStore(pool, PersonalDataKeys(keyring)))
        app[VIEW] = ProfileView(pool)
        tokens = token_client(settings)
        await tokens.start()
        deadline = settings.tokenize_deadline_seconds
        app[CARDS] = cards = Cards(commands, tokens, tokenize_deadline_seconds=deadline)
        app[ACCESS_LEDGER] = tokens
        app[PROFILES_SERVICE] = Profiles(cards)
        app[BANK_ACCOUNTS] = BankAccounts(commands, tokens, tokenize_deadline_seconds=deadline)
        app[search.POOL] = pool
        app[AUTHENTICATOR] = Authenticator(pool)
        app[IDEMPOTENCY] = idempotency_records = PostgresIdempotency(
            pool,
            lease_seconds=settings.idempotency_lease_seconds,
            retention_seconds=settings.idempotency_retention,
        )
        purging = asyncio.create_task(
            purge_idempotency_records(
                idempotency_records, settings.idempotency_purge_interval_seconds
            )
        )

        async def postgres() -> None:
            await pool.fetchval("SELECT 1")

        checks.checks["postgres"] = postgres
        yield
        purging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purging
        await tokens.close()
        await pool.close()

    # The handlers' resources belong to the /customervault/v1 application they serve.
    return route_tree(app, v1_context=resources)
