"""The account updater end to end through the real broker: card updates published with
`vault updater publish`, consumed by a `vault updater` process, seen over the HTTP API, at the
token service and on the profile-events topic; duplicates and reordering applied once, an unknown
card counted and skipped, and the new number nowhere but the input topic and the token service."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from service.tokens.settings import TokenServiceSettings
from tests.processes import Stack, build_stack, vault_cli
from tests.support import PaymentsClient, VaultClient, read_topic, wait_until

OLD, NEW, OTHER = "4111111111111111", "5200400000000009", "4000056655665556"
T1, T2, T3 = (f"2026-12-01T1{h}:00:00Z" for h in (1, 2, 3))


@pytest.fixture
async def updater_stack(
    pool: asyncpg.Pool,
    process_env: dict[str, str],
    token_settings: TokenServiceSettings,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    stack = await build_stack(pool, process_env, token_settings.keks, tmp_path)
    stack.base_env["VAULT_CARD_UPDATES_TOPIC"] = f"proc.card-updates.{uuid.uuid4().hex[:10]}"
    stack.add("updater", "updater", stack.base_env)
    try:
        await stack.start_all()
        yield stack
    finally:
        for process in stack.processes.values():
            process.kill()


async def counted(metrics_url: str) -> dict[str, float]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{metrics_url}/metrics") as response,
    ):
        text = await response.text()
    pattern = r'^vault_network_card_updates_total\{outcome="(\w+)"\} ([0-9.]+)$'
    return {m[1]: float(m[2]) for m in re.finditer(pattern, text, re.MULTILINE)}


async def test_network_updates_are_applied_once_through_the_broker(
    updater_stack: Stack, tmp_path: Path
) -> None:
    stack = updater_stack
    async with VaultClient(stack.api_url, stack.merchant) as client:
        pid = (await client.create_profile())["id"]
        base = f"/customervault/v1/profiles/{pid}/cards"
        cards = []
        for number in (OLD, OTHER):
            body = {"cardNum": number, "cardExpiry": {"month": 12, "year": 2026}}
            created = await client.request("POST", base, body)
            assert created.status == 201, created.text
            cards.append(created.json)
        reissued, closed = cards
        merchant = str(stack.merchant.merchant_id)

        def update(message_id: str, token: str, effective: str, **change: object) -> str:
            return json.dumps(
                {"messageId": message_id, "merchantId": merchant, "paymentToken": token,
                 "effectiveAt": effective, **change}
            )  # fmt: skip

        lines = [
            update("m2", reissued["paymentToken"], T2, cardNum=NEW,
                   cardExpiry={"month": 1, "year": 2031}),
            update("m2", reissued["paymentToken"], T2, cardNum=NEW,
                   cardExpiry={"month": 1, "year": 2031}),  # a duplicate
            update("m1", reissued["paymentToken"], T1, cardExpiry={"month": 6, "year": 2029}),
            update("m3", closed["paymentToken"], T3, closed=True),
            update("m4", "C" + "0" * 14, T3, cardExpiry={"month": 1, "year": 2030}),
        ]  # fmt: skip
        updates = tmp_path / "updates.jsonl"
        updates.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, out, err = await vault_cli(stack.base_env, "updater", "publish", str(updates))
        assert (code, out.strip()) == (0, "sent=5 refused=0")
        assert NEW not in out + err

        updater = stack.processes["updater"]

        async def all_consumed() -> bool:
            return sum((await counted(updater.metrics_url)).values()) >= len(lines)

        await wait_until(all_consumed, timeout=60)
        assert await counted(updater.metrics_url) == {
            "applied": 2.0,
            "unchanged": 2.0,  # the duplicate, and m1 overtaken by m2
            "unknown_card": 1.0,
        }

        card = await client.request("GET", f"{base}/{reissued['id']}")
        assert card.status == 200, card.text
        assert card.json == {
            **reissued,
            "cardBin": "520040",
            "lastDigits": "0009",
            "cardType": "MC",
            "cardExpiry": {"year": 2031, "month": 1},
        } | {k: v for k, v in card.json.items() if k not in reissued}
        assert card.json["paymentToken"] == reissued["paymentToken"]
        gone = await client.request("GET", f"{base}/{closed['id']}")
        assert (gone.status, gone.code) == (404, "5269")

    async with PaymentsClient(
        stack.tokens_url, stack.payments.client_id, stack.payments.secret
    ) as payments:
        resolved = await payments.resolve(stack.merchant.merchant_id, reissued["paymentToken"])
        assert resolved.status == 200, resolved.text
        assert resolved.json["card"]["cardNum"] == NEW
        assert resolved.json["card"]["cardExpiry"] == {"month": 1, "year": 2031}
        refused = await payments.resolve(stack.merchant.merchant_id, closed["paymentToken"])
        assert refused.status == 404

    async def relayed() -> bool:
        records = await read_topic(stack.base_env["KAFKA_BOOTSTRAP_SERVERS"], stack.topic)
        return any(dict(r.headers)["ce_type"] == b"CardClosedByNetwork" for r in records)

    await wait_until(relayed, timeout=30)
    records = await read_topic(stack.base_env["KAFKA_BOOTSTRAP_SERVERS"], stack.topic)
    network = sorted(
        dict(r.headers)["ce_type"].decode()
        for r in records
        if r.key.decode() == pid and b"ByNetwork" in dict(r.headers)["ce_type"]
    )
    assert network == ["CardClosedByNetwork", "CardNumberReplacedByNetwork"]
    assert all(NEW.encode() not in r.value for r in records)
    for name, log in stack.logs().items():
        assert NEW not in log, name
