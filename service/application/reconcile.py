"""Reconciliation of the token service's records with the vault's committed instruments
(docs/crash-safety.md says which crash leaves what, and why this converges every one).

Per merchant: read the vault's references, then the token service's live permanent records, then
the references again. An *orphan* is a record past the grace window that the second read does not
reference: no instrument can still commit with it (an append commits at the latest
``deadline + statement timeout`` after its tokenize, less than the grace), so it is destroyed. A
*dangling* reference is one both reads saw whose token is not live: the number is gone and cannot
be brought back, so it is only counted and logged.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prometheus_client import Counter, Gauge

from service.tokens.contract import Listing

log = logging.getLogger(__name__)

ORPHANED = Gauge(
    "vault_tokens_orphaned",
    "Live token-service records past the grace window that no vault instrument references "
    "(last reconciliation pass)",
)
DANGLING = Gauge(
    "vault_tokens_dangling",
    "Vault instruments whose token is not live at the token service (last reconciliation pass)",
)
ORPHANS_DESTROYED = Counter(
    "vault_tokens_orphans_destroyed", "Orphan token-service records destroyed by reconciliation"
)


@dataclass(frozen=True, kw_only=True)
class Live:
    """A live permanent record at the token service and how old it was when listed."""

    token: str
    kind: str
    age_seconds: float


@dataclass(frozen=True, kw_only=True)
class References:
    """The payment tokens a merchant's committed vault state holds: its instruments' (which must
    resolve) and its profiles' (never token-service records, but never destroyed either)."""

    instruments: frozenset[str]
    profiles: frozenset[str] = frozenset()

    @property
    def all(self) -> frozenset[str]:
        return self.instruments | self.profiles


@dataclass(frozen=True, kw_only=True)
class Findings:
    orphans: tuple[str, ...]
    dangling: tuple[str, ...]


def decide(
    live: Iterable[Live], before: References, after: References, grace_seconds: float
) -> Findings:
    """The pure decision. ``before`` was read before the listing, ``after`` after it. A record
    younger than the grace is never an orphan (its instrument may still commit); a reference only
    one read saw is never dangling (added after the listing, or removed before it)."""
    live = list(live)
    referenced = after.all
    orphans = sorted(
        r.token for r in live if r.age_seconds > grace_seconds and r.token not in referenced
    )
    listed = {r.token for r in live}
    dangling = sorted((before.instruments & after.instruments) - listed)
    return Findings(orphans=tuple(orphans), dangling=tuple(dangling))


def ages(listing: Listing) -> list[Live]:
    """A page's records with their age on the token service's own clock."""
    as_of = datetime.fromisoformat(listing.as_of)
    return [
        Live(
            token=r.token,
            kind=r.kind,
            age_seconds=(as_of - datetime.fromisoformat(r.created_at)).total_seconds(),
        )
        for r in listing.records
    ]


class TokenInventory(Protocol):
    async def live_page(self, merchant_id: uuid.UUID, after: str, limit: int) -> Listing: ...

    async def destroy_orphan(self, merchant_id: uuid.UUID, token: str) -> None: ...


class VaultReferences(Protocol):
    async def merchants(self) -> list[uuid.UUID]: ...

    async def references(self, merchant_id: uuid.UUID) -> References: ...


@dataclass(kw_only=True)
class Report:
    merchants: int = 0
    live: int = 0
    orphans: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    dangling: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    destroyed: int = 0


Progress = Callable[[uuid.UUID, Report], None]


def _no_progress(_: uuid.UUID, __: Report) -> None:
    return None


class Reconciliation:
    def __init__(
        self,
        vault: VaultReferences,
        tokens: TokenInventory,
        *,
        grace_seconds: float,
        page_size: int = 1000,
    ) -> None:
        self.vault = vault
        self.tokens = tokens
        self.grace_seconds = grace_seconds
        self.page_size = page_size

    async def _live(self, merchant_id: uuid.UUID) -> list[Live]:
        live: list[Live] = []
        after: str | None = ""
        while after is not None:
            page = await self.tokens.live_page(merchant_id, after, self.page_size)
            live.extend(ages(page))
            after = page.next_after
        return live

    async def merchant(self, merchant_id: uuid.UUID) -> tuple[int, Findings]:
        # The order is the proof (module docstring): references, listing, references.
        before = await self.vault.references(merchant_id)
        live = await self._live(merchant_id)
        after = await self.vault.references(merchant_id)
        return len(live), decide(live, before, after, self.grace_seconds)

    async def run(self, *, dry_run: bool = False, progress: Progress = _no_progress) -> Report:
        """One pass over every merchant; the gauges then hold what this pass found."""
        report = Report()
        for merchant_id in await self.vault.merchants():
            listed, found = await self.merchant(merchant_id)
            report.merchants += 1
            report.live += listed
            report.orphans += [(merchant_id, t) for t in found.orphans]
            report.dangling += [(merchant_id, t) for t in found.dangling]
            for token in found.dangling:
                log.error(
                    "vault instrument's token is not live at the token service (dangling)",
                    # As the token service's audit names tokens: by their SHA-256.
                    extra={
                        "merchant_id": str(merchant_id),
                        "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
                    },
                )
            if not dry_run:
                for token in found.orphans:
                    await self.tokens.destroy_orphan(merchant_id, token)
                    ORPHANS_DESTROYED.inc()
                    report.destroyed += 1
            progress(merchant_id, report)
        ORPHANED.set(len(report.orphans))
        DANGLING.set(len(report.dangling))
        if report.orphans or report.dangling:
            log.warning(
                "token reconciliation found anomalies",
                extra={
                    "orphans": len(report.orphans),
                    "destroyed": report.destroyed,
                    "dangling": len(report.dangling),
                },
            )
        return report
