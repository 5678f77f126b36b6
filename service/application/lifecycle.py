"""A profile's life where it reaches the token service: created with a card, addresses that cards
are billed to, and deletion, which must leave no token that still pays."""

from __future__ import annotations

import dataclasses
import uuid

from service.application.cards import CardDetails, Cards
from service.application.profiles import Outcome
from service.application.session import Actor, ApplicationService
from service.domain import commands as c


class Profiles(ApplicationService):
    def __init__(self, cards: Cards) -> None:
        super().__init__(
            cards.commands, cards.tokens, tokenize_deadline_seconds=cards.tokenize_deadline_seconds
        )
        self.cards = cards

    async def create(
        self, actor: Actor, command: c.CreateProfile, card: CardDetails | None = None
    ) -> Outcome:
        """Create the profile, with its first card when one is given (tokenized first; its token
        destroyed again if the profile is refused, e.g. a merchantCustomerId taken)."""
        if card is None:
            return await self.run(actor, command.profile_id, command)
        new = await self.cards.vault(actor, None, card)
        with_card = dataclasses.replace(command, card=new)
        return await self.run_with_fresh_token(
            actor, command.profile_id, new.payment_token, with_card
        )

    async def delete(self, actor: Actor, profile_id: uuid.UUID) -> None:
        """The deletion first, then the tokens of every instrument it removed (see cards.py): a
        failure in between leaves live tokens no instrument references, which reconciliation
        destroys, never a profile whose instruments' tokens are gone."""
        await self.profile(actor, profile_id)
        outcome = await self.run(actor, profile_id, c.DeleteProfile())
        if outcome.before is not None:
            await self.destroy_tokens(actor, outcome.before.payment_tokens())

    async def update_address(
        self, actor: Actor, profile_id: uuid.UUID, command: c.UpdateAddress
    ) -> Outcome:
        outcome = await self.run(actor, profile_id, command)
        if outcome.before is not None:
            await self.cards.sync_billing_address(
                actor, outcome.before, outcome.state, command.address_id
            )
        return outcome

    async def remove_address(
        self, actor: Actor, profile_id: uuid.UUID, address_id: uuid.UUID
    ) -> None:
        outcome = await self.run(actor, profile_id, c.RemoveAddress(address_id=address_id))
        if outcome.before is not None:
            await self.cards.sync_billing_address(actor, outcome.before, outcome.state, address_id)
