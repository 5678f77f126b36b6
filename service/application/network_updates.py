"""Card updates from the networks (account updater): one ``customervault.card-updates.v1`` message
applied to the token service's record and to the profile.

Trust boundary: the message may hold a new card number. It goes straight to the token service
(``POST /tokens/v1/network-updates``) and is dropped: the profile's event carries only what the
token service answers (BIN, last digits, keyed fingerprint). Nothing here logs a message's value.

Exactly-once effect: the token service's change is idempotent (the same update gives the same
record), and the aggregate decides no event for an update not newer than the card's last applied
one (``effective_at``), so a redelivered or reordered message changes nothing twice. An update for
a card the vault does not know is counted (``vault_network_card_updates{outcome="unknown_card"}``)
and skipped, as is a malformed message (``invalid``): neither is retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Literal, Protocol

from prometheus_client import Counter

from events.card_updates import decode
from events.types import CardExpiry
from service.application.ports import TokenRefused
from service.application.profiles import ProfileCommands
from service.domain import commands as c
from service.domain import network
from service.domain.errors import CardNotFound, ProfileNotFound
from service.tokens.contract import Expiry, NetworkUpdate, NetworkUpdated

Outcome = Literal["applied", "unchanged", "unknown_card", "invalid"]
UPDATES = Counter(
    "vault_network_card_updates", "Card updates from the networks, by outcome", ["outcome"]
)


class NetworkTokenService(Protocol):
    async def network_update(self, update: NetworkUpdate) -> NetworkUpdated: ...


# (merchant, payment token) -> (profile id, card id), or None for a card the vault does not hold.
CardLocator = Callable[[uuid.UUID, str], Awaitable[tuple[uuid.UUID, uuid.UUID] | None]]


def effective_text(moment: datetime) -> str:
    """Fixed-width UTC text, so that comparing texts compares times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NetworkUpdates:
    def __init__(
        self, commands: ProfileCommands, tokens: NetworkTokenService, locate: CardLocator
    ) -> None:
        self._commands = commands
        self._tokens = tokens
        self._locate = locate

    async def apply(self, raw: bytes) -> Outcome:
        """Apply one message; TokenServiceUnavailable (and database outages) propagate, so the
        consumer retries the same message."""
        outcome = await self._apply(raw)
        UPDATES.labels(outcome).inc()
        return outcome

    async def _apply(self, raw: bytes) -> Outcome:
        update = decode(raw)
        if update is None:
            return "invalid"
        try:
            applied = await self._tokens.network_update(
                NetworkUpdate(
                    merchant_id=update.merchant_id,
                    effective_at=update.effective_at,
                    payment_token=update.payment_token,
                    fingerprint=update.fingerprint,
                    card_num=update.card_num,
                    card_expiry=None
                    if update.card_expiry is None
                    else Expiry(month=update.card_expiry.month, year=update.card_expiry.year),
                    closed=update.closed,
                )
            )
        except TokenRefused as refused:
            return "unknown_card" if refused.status == 404 else "invalid"
        found = await self._locate(update.merchant_id, applied.payment_token)
        if found is None:
            return "unknown_card"
        profile_id, card_id = found
        command = c.ApplyNetworkUpdate(
            card_id=card_id,
            message_id=update.message_id,
            effective_at=effective_text(update.effective_at),
            card_expiry=None
            if update.card_expiry is None
            else CardExpiry(month=update.card_expiry.month, year=update.card_expiry.year),
            replacement=None
            if update.card_num is None
            else c.NetworkReplacement(
                card_bin=applied.card_bin,
                last_digits=applied.last_digits,
                fingerprint=applied.fingerprint,
            ),
            closed=update.closed,
        )
        metadata = {"process": "updater", "messageId": update.message_id}
        try:
            # Decided first on the current state: a duplicate or stale update appends nothing.
            profile = await self._commands.current(update.merchant_id, profile_id)
            if not network.decide(profile, command):
                return "unchanged"
            await self._commands.execute(update.merchant_id, profile_id, command, metadata)
        except (CardNotFound, ProfileNotFound):
            return "unknown_card"
        return "applied"
