"""Who acts and how a command runs for them: the pieces every application service shares, and the
order of effects between the token service and the event store (docs/crash-safety.md).

A new token is stored by an append that must start within the tokenize deadline, so no append can
commit later than tokenize + deadline + the statement timeout, which reconciliation's grace window
exceeds. A removal appends first and destroys the token after: a crash in between leaves an orphan
(reconciled), never an instrument whose token is gone (dangling, which nothing can repair).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.application import idempotency
from service.application.ports import TokenService, TokenServiceUnavailable, WrongExpectedVersion
from service.application.profiles import AppendDeadlinePassed, Outcome, ProfileCommands
from service.domain import profile as aggregate
from service.domain.commands import Command
from service.domain.errors import DomainError, ProfileNotFound

log = logging.getLogger(__name__)

DEFAULT_TOKENIZE_DEADLINE_SECONDS = 30.0

# Refusals: the append certainly did not commit, so the fresh token can go at once. Any other
# failure (a lost connection during COMMIT) may hide a committed append; its token is left to
# reconciliation, which destroys it after the grace window only if nothing references it.
_NOT_APPENDED = (DomainError, WrongExpectedVersion, AppendDeadlinePassed)


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The merchant a request acts for, and what its events' metadata records about it."""

    merchant_id: uuid.UUID
    metadata: Mapping[str, Any] = field(default_factory=dict)


class ApplicationService:
    def __init__(
        self,
        commands: ProfileCommands,
        tokens: TokenService,
        *,
        tokenize_deadline_seconds: float = DEFAULT_TOKENIZE_DEADLINE_SECONDS,
    ) -> None:
        self.commands = commands
        self.tokens = tokens
        self.tokenize_deadline_seconds = tokenize_deadline_seconds

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
        """Run ``command``, which keeps a token just made. Callers come here straight from the
        tokenize's answer (no await in between), so the deadline counts from it. When the command
        is refused, or the deadline passed before the append, the token is destroyed again."""
        not_after = time.monotonic() + self.tokenize_deadline_seconds
        try:
            return await self.commands.execute(
                actor.merchant_id, profile_id, command, actor.metadata, not_after=not_after
            )
        except _NOT_APPENDED:
            await self._destroy_now(actor, [token])
            raise

    async def destroy_tokens(self, actor: Actor, tokens: Iterable[str]) -> None:
        """A removal's tokens, after its append. Inside an idempotent request the append commits
        only once the answer is recorded (``idempotency.CURRENT``), so the destruction waits for
        that commit: a rollback must leave the instrument with a live token, never a dead one."""
        doomed = list(tokens)
        unit = idempotency.CURRENT.get()
        if unit is not None:
            unit.after_commit(lambda: self._destroy_now(actor, doomed))
            return
        await self._destroy_now(actor, doomed)

    async def _destroy_now(self, actor: Actor, tokens: Iterable[str]) -> None:
        """Best effort: a token left live here is an orphan that reconciliation destroys, so a
        token-service outage is logged once and does not fail what already happened."""
        for token in tokens:
            try:
                await self.tokens.delete(actor.merchant_id, token)
            except TokenServiceUnavailable as exc:
                log.warning(
                    "token left for reconciliation: the token service is unavailable",
                    extra={"merchant_id": str(actor.merchant_id), "error": str(exc)},
                )
                return
