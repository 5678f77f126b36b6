"""The access ledger: every resolve and refusal, read back by merchant, token and time by a client
with the `audit` scope, newest first, a page at a time, kept for the retention."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import asyncpg

from service.tokens.audit import AuditPublisher, PublisherSettings
from tests.integration.tokens.conftest import CARD, TokenService, card
from tests.support import wait_until


def ledger_path(merchant: uuid.UUID, **query: str) -> str:
    extra = "".join(f"&{k}={quote(v)}" for k, v in query.items())
    return f"/tokens/v1/audit?merchantId={merchant}{extra}"


async def test_resolves_and_refusals_are_read_back_newest_first(
    token_service: TokenService,
) -> None:
    merchant, other = uuid.uuid4(), uuid.uuid4()
    vault = await token_service.client("tokenize")
    payments = await token_service.client("detokenize", merchants=(merchant,))
    auditor = await token_service.client("audit", merchants=(merchant,))
    live = (await vault.tokenize(merchant, "card", card()))["token"]
    inactive = (await vault.tokenize(merchant, "card", card(), status="INACTIVE"))["token"]
    before_any = datetime.now(UTC)
    for purpose in ("order-1", "order-2", "order-3"):
        assert (await payments.resolve(merchant, live, purpose=purpose)).status == 200
    assert (await payments.resolve(merchant, inactive, purpose="order-4")).status == 404

    whole = await auditor.request("GET", ledger_path(merchant))
    assert whole.status == 200, whole.text
    resolves = [a for a in whole.json["accesses"] if a["type"] != "InstrumentTokenized"]
    assert [(a["purpose"], a["type"], a["outcome"]) for a in resolves] == [
        ("order-4", "RevealRefused", "refused"),
        ("order-3", "InstrumentRevealed", "revealed"),
        ("order-2", "InstrumentRevealed", "revealed"),
        ("order-1", "InstrumentRevealed", "revealed"),
    ]
    assert {a["clientId"] for a in resolves} == {payments.client_id}
    assert CARD not in whole.text and live not in whole.text

    # One token's accesses, a page of one at a time, following `next`.
    pages: list[str] = []
    query = {"paymentToken": live, "limit": "1"}
    cursor: str | None = "start"
    while cursor is not None:
        page = await auditor.request("GET", ledger_path(merchant, **query))
        assert page.status == 200, page.text
        pages += [a["purpose"] for a in page.json["accesses"] if a["purpose"]]
        cursor = page.json["next"]
        query["before"] = cursor or ""
    assert pages == ["order-3", "order-2", "order-1"]
    fingerprint = hashlib.sha256(live.encode()).hexdigest()
    page = await auditor.request("GET", ledger_path(merchant, paymentToken=live))
    assert {a["tokenFingerprint"] for a in page.json["accesses"]} == {fingerprint}

    # A time window: nothing before the first resolve, everything from it.
    early = (before_any - timedelta(hours=1)).isoformat()
    empty = await auditor.request("GET", ledger_path(merchant, to=early))
    assert empty.json == {"accesses": [], "next": None}
    since = await auditor.request("GET", ledger_path(merchant, **{"from": before_any.isoformat()}))
    assert len(since.json["accesses"]) == 4

    # Merchant-bound: another merchant's slice is refused; other scopes cannot read the ledger.
    foreign = await auditor.request("GET", ledger_path(other))
    assert (foreign.status, foreign.code) == (403, "5270")
    assert (await payments.request("GET", ledger_path(merchant))).status == 403


async def test_bad_parameters_are_named_without_echo(token_service: TokenService) -> None:
    auditor = await token_service.client("audit")
    secret_token = "C" + "9" * 60
    bad = await auditor.request(
        "GET",
        f"/tokens/v1/audit?merchantId=x&paymentToken={secret_token}&from=yesterday&limit=0",
    )
    assert (bad.status, bad.code) == (400, "5068")
    fields = sorted(f["field"] for f in bad.json["error"]["fieldErrors"])
    assert fields == ["from", "limit", "merchantId", "paymentToken"]
    assert secret_token not in bad.text
    naive = await auditor.request("GET", ledger_path(uuid.uuid4(), to="2026-01-01T00:00:00"))
    assert naive.status == 400
    unknown = await auditor.request("GET", ledger_path(uuid.uuid4(), cardNum="x"))
    assert (unknown.status, unknown.code) == (400, "5068")


async def test_rows_are_kept_for_the_retention_and_unpublished_ones_never_purged(
    token_service: TokenService, pool: asyncpg.Pool
) -> None:
    merchant = uuid.uuid4()

    async def written(age_days: int) -> int:
        row_id: int = await pool.fetchval(
            "INSERT INTO tokens.audit_outbox (topic, record_key, payload, created_at)"
            " VALUES ($1, $2, '{}', now() - make_interval(days => $3)) RETURNING id",
            token_service.topic,
            str(merchant),
            age_days,
        )
        return row_id

    async def unpublished() -> set[int]:
        rows = await pool.fetch(
            "SELECT id FROM tokens.audit_unpublished WHERE record_key = $1", str(merchant)
        )
        return {r["id"] for r in rows}

    published_old, published_young = await written(400), await written(300)
    await wait_until(lambda: _none_of(unpublished, {published_old, published_young}))
    async with pool.acquire() as holder, holder.transaction():
        # An open transaction holds the xmin horizon: a row written after it cannot be published
        # (the publisher reads in commit order below the horizon) until it ends.
        await holder.fetchval("SELECT pg_current_xact_id()")
        unpublished_old = await written(400)
        publisher = AuditPublisher(
            PublisherSettings(
                token_service.settings.database_url,
                token_service.settings.kafka_bootstrap_servers,
            )
        )
        async with pool.acquire() as conn:
            await publisher._housekeeping(conn)
        assert await unpublished() == {unpublished_old}
        kept = await pool.fetch(
            "SELECT id FROM tokens.audit_outbox WHERE record_key = $1 ORDER BY id", str(merchant)
        )
    # Default retention, a year: the 400-day-old published row goes; the unpublished one (Kafka
    # never acknowledged it) and the 300-day-old one stay.
    assert [r["id"] for r in kept] == [published_young, unpublished_old]
    await pool.execute("DELETE FROM tokens.audit_outbox WHERE record_key = $1", str(merchant))


async def _none_of(ids: Callable[[], Awaitable[set[int]]], wanted: set[int]) -> bool:
    return not (await ids()) & wanted
