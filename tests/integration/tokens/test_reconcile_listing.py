"""What reconciliation asks of the token service: a merchant's live permanent records page by page
(scope `reconcile`, never a number), and a delete audited as reconciliation's."""

from __future__ import annotations

import uuid

from tests.integration.tokens.conftest import CARD, TokenService, card

LIST = "/tokens/v1/instruments"


async def test_the_listing_pages_through_live_permanent_records_only(
    token_service: TokenService,
) -> None:
    vault = await token_service.client("tokenize")
    reconciler = await token_service.client("reconcile")
    merchant, other = uuid.uuid4(), uuid.uuid4()
    live = {(await vault.tokenize(merchant, "card", card()))["token"] for _ in range(5)}
    deleted = (await vault.tokenize(merchant, "card", card()))["token"]
    await vault.request("DELETE", f"{LIST}/{deleted}?merchantId={merchant}")
    await vault.tokenize(merchant, "card", card(cvv="123"), singleUse=True)
    await vault.tokenize(other, "card", card())

    seen: list[str] = []
    after = ""
    pages = 0
    while True:
        reply = await reconciler.request(
            "GET", f"{LIST}?merchantId={merchant}&limit=2&after={after}"
        )
        assert reply.status == 200, reply.text
        # No number, nor its display digits (a text search for the last four would also match
        # a timestamp's microseconds or a token: the exact keys below are the proof).
        assert (
            CARD not in reply.text
            and '"lastDigits"' not in reply.text
            and '"bin"' not in reply.text
        )
        page = reply.json
        pages += 1
        for record in page["records"]:
            assert set(record) == {"token", "kind", "status", "createdAt"}
            assert record["kind"] == "card" and record["status"] == "ACTIVE"
        seen += [r["token"] for r in page["records"]]
        if page["nextAfter"] is None:
            break
        after = page["nextAfter"]
    assert set(seen) == live and len(seen) == len(live)
    assert seen == sorted(seen) and pages == 3


async def test_listing_and_reconciliation_deletes_need_the_reconcile_scope(
    token_service: TokenService,
) -> None:
    vault = await token_service.client("tokenize")
    merchant = uuid.uuid4()
    token = (await vault.tokenize(merchant, "card", card()))["token"]
    listing = await vault.request("GET", f"{LIST}?merchantId={merchant}")
    assert (listing.status, listing.code) == (403, "5270")
    destroy = await vault.request(
        "DELETE", f"{LIST}/{token}?merchantId={merchant}&reason=reconciliation"
    )
    assert (destroy.status, destroy.code) == (403, "5270")
    bound = await token_service.client("reconcile", merchants=(uuid.uuid4(),))
    foreign = await bound.request("GET", f"{LIST}?merchantId={merchant}")
    assert foreign.status == 404
    reconciler = await token_service.client("reconcile")
    valid = f"merchantId={merchant}"
    bad_queries = (
        f"{valid}&limit=0",
        f"{valid}&limit=1001",
        f"{valid}&limit=x",
        "merchantId=no",
        f"{valid}&after=C%00x",  # PostgreSQL refuses NUL in text: a 500 before
        f"{valid}&after=%C3%A9",  # no token is anything but ASCII
    )
    for query in bad_queries:
        bad = await reconciler.request("GET", f"{LIST}?{query}")
        assert (bad.status, bad.code) == (400, "5068"), (query, bad.text)
    odd = await reconciler.request("DELETE", f"{LIST}/{token}?merchantId={merchant}&reason=other")
    assert (odd.status, odd.code) == (400, "5068")


async def test_a_reconciliation_delete_is_audited_as_such(
    token_service: TokenService, pool: object
) -> None:
    vault = await token_service.client("tokenize")
    reconciler = await token_service.client("reconcile")
    merchant = uuid.uuid4()
    token = (await vault.tokenize(merchant, "card", card()))["token"]
    reply = await reconciler.request(
        "DELETE", f"{LIST}/{token}?merchantId={merchant}&reason=reconciliation"
    )
    assert reply.status == 200, reply.text
    rows = await token_service.outbox_rows(pool, reconciler.client_id)  # type: ignore[arg-type]
    assert [(r["type"], r["reason"]) for r in rows] == [("InstrumentDeleted", "reconciliation")]
    resolved = await (await token_service.client("detokenize")).resolve(merchant, token)
    assert resolved.status == 404
