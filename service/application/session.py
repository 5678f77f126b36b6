"""Who acts and how a command runs for them: the pieces every application service shares."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.application.ports import TokenService
from service.application.profiles import Outcome, ProfileCommands
from service.domain import profile as aggregate
from service.domain.commands import Command
from service.domain.errors import DomainError, ProfileNotFound


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The merchant a request acts for, and what its events' metadata records about it."""

    merchant_id: uuid.UUID
    metadata: Mapping[str, Any] = field(default_factory=dict)


class ApplicationService:
    def __init__(self, commands: ProfileCommands, tokens: TokenService) -> None:
        self.commands = commands
        self.tokens = tokens

    async def run(self, actor: Actor, profile_id: uuid.UUID, command: Command) -> Outcome:
        return await self.commands.execute(actor.merchant_id, profile_id, command, actor.metadata)

    async def profile(
        self, actor: Actor, profile_id: uuid.UUID, missing: DomainError | None = None
    ) -> aggregate.Profile:
        """The actor's live profile; ``missing`` (default ProfileNotFound) when there is none, so a
        sub-resource of a missing profile answers as that sub-resource."""
        try:
            return await self.commands.current(actor.merchant_id, profile_id)
        except ProfileNotFound:
            if missing is None:
                raise
            raise missing from None

    async def run_with_fresh_token(
        self, actor: Actor, profile_id: uuid.UUID, token: str, command: Command
    ) -> Outcome:
        """Run ``command``, which keeps a token just made; when it is refused or fails, the token
        is destroyed again, so a refusal leaves no usable token behind."""
        try:
            return await self.run(actor, profile_id, command)
        except Exception:
            await self.tokens.delete(actor.merchant_id, token)
            raise
