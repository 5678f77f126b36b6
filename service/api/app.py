"""The vault API application: routes, middlewares and resource lifecycles."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from events.crypto import Keyring
from events.personal_keys import PersonalDataKeys
from infra import db
from infra.probes import Readiness
from service.adapters.profile_store import postgres_profile_commands
from service.adapters.token_service import TokenClient
from service.api import bank_accounts, cards, profiles, search, single_use
from service.api.auth import Authenticator
from service.api.context import BANK_ACCOUNTS, CARDS, COMMANDS, PROFILES_SERVICE, VIEW
from service.api.middleware import (
    AUTHENTICATOR,
    PUBLIC_BASE_URL,
    authentication,
    paysafe_errors,
    request_context,
)
from service.api.openapi import openapi_document
from service.api.views import ProfileView
from service.application.bank_accounts import BankAccounts
from service.application.cards import Cards
from service.application.lifecycle import Profiles
from service.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
READINESS = web.AppKey("readiness", Readiness)
MAX_BODY_BYTES = 64 * 1024


async def monitor(_: web.Request) -> web.Response:
    """Paysafe's health check: SDKs compare ``status`` with "READY"."""
    return web.json_response({"status": "READY"})


async def openapi(_: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def create_app(
    settings: Settings, keyring: Keyring, readiness: Readiness | None = None
) -> web.Application:
    app = web.Application(
        middlewares=[request_context, paysafe_errors, authentication],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings
    app[PUBLIC_BASE_URL] = settings.public_base_url
    app[READINESS] = readiness or Readiness()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        pool = await db.create_pool(settings.pool())
        commands = postgres_profile_commands(
            pool, PersonalDataKeys(keyring), max_attempts=settings.command_max_attempts
        )
        app[COMMANDS] = commands
        app[VIEW] = ProfileView(pool)
        tokens = TokenClient(
            settings.tokens_url,
            settings.tokens_client_id,
            settings.tokens_client_secret,
            settings.tokens_timeout_seconds,
        )
        await tokens.start()
        app[CARDS] = cards = Cards(commands, tokens)
        app[PROFILES_SERVICE] = Profiles(cards)
        app[BANK_ACCOUNTS] = BankAccounts(commands, tokens)
        app[search.POOL] = pool
        app[AUTHENTICATOR] = Authenticator(pool)

        async def postgres() -> None:
            await pool.fetchval("SELECT 1")

        app[READINESS].checks["postgres"] = postgres
        yield
        await tokens.close()
        await pool.close()

    app.cleanup_ctx.append(resources)
    app.router.add_get("/customervault/monitor{_:/?}", monitor, allow_head=False)
    app.router.add_get("/customervault/v1/openapi.json", openapi, allow_head=False)
    profiles.add_routes(app)
    cards.add_routes(app)
    bank_accounts.add_routes(app)
    single_use.add_routes(app)
    search.add_routes(app)
    return app
