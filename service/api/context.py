"""What every resource handler shares: the application services, the views and who is calling."""

from __future__ import annotations

import uuid

from aiohttp import web

from infra.logs import request_id
from service.api.errors import PaysafeError
from service.api.middleware import principal
from service.api.views import ProfileView
from service.application.bank_accounts import BankAccounts
from service.application.cards import Cards
from service.application.lifecycle import Profiles
from service.application.profiles import Outcome, ProfileCommands
from service.application.session import Actor
from service.domain.commands import Command

COMMANDS = web.AppKey("commands", ProfileCommands)
CARDS = web.AppKey("cards", Cards)
BANK_ACCOUNTS = web.AppKey("bank_accounts", BankAccounts)
PROFILES_SERVICE = web.AppKey("profiles", Profiles)
VIEW = web.AppKey("profile_view", ProfileView)


def merchant_of(request: web.Request) -> uuid.UUID:
    return principal(request).merchant_id


def actor_of(request: web.Request) -> Actor:
    caller = principal(request)
    return Actor(
        merchant_id=caller.merchant_id,
        metadata={"requestId": request_id.get(), "keyId": caller.key_id},
    )


async def execute(request: web.Request, profile_id: uuid.UUID, command: Command) -> Outcome:
    actor = actor_of(request)
    return await request.app[COMMANDS].execute(
        actor.merchant_id, profile_id, command, actor.metadata
    )


__all__ = [
    "BANK_ACCOUNTS",
    "CARDS",
    "COMMANDS",
    "PROFILES_SERVICE",
    "VIEW",
    "PaysafeError",
    "actor_of",
    "execute",
    "merchant_of",
]
