"""What every resource handler shares: the command runner, the views and the token-service client."""

from __future__ import annotations

import uuid

from aiohttp import web

from infra.logs import request_id
from service.adapters.token_service import TokenClient
from service.api.errors import PaysafeError, unknown_id
from service.api.middleware import principal
from service.api.views import ProfileView
from service.application import metrics
from service.application.profiles import Outcome, ProfileCommands
from service.domain.commands import Command

COMMANDS = web.AppKey("commands", ProfileCommands)
VIEW = web.AppKey("profile_view", ProfileView)
TOKENS = web.AppKey("tokens", TokenClient)


def merchant_of(request: web.Request) -> uuid.UUID:
    return principal(request).merchant_id


async def execute(request: web.Request, profile_id: uuid.UUID, command: Command) -> Outcome:
    name = type(command).__name__
    try:
        outcome = await request.app[COMMANDS].execute(
            merchant_of(request),
            profile_id,
            command,
            {"requestId": request_id.get(), "keyId": principal(request).key_id},
        )
    except Exception:
        metrics.COMMANDS.labels(name, "refused").inc()
        raise
    metrics.COMMANDS.labels(name, "ok").inc()
    return outcome


async def require_profile(request: web.Request, profile_id: uuid.UUID) -> None:
    """404 before anything is sent to the token service for a profile that is not the caller's."""
    if await request.app[VIEW].profile(merchant_of(request), profile_id, frozenset()) is None:
        raise unknown_id(str(profile_id))


__all__ = ["COMMANDS", "TOKENS", "VIEW", "PaysafeError", "execute", "merchant_of"]
