"""The invariant: no full card number, CVV, full bank account number or IBAN in any table, any
Kafka record, any log line or any error message.

A scenario drives every instrument endpoint and the single-use token endpoint of the real processes
with known numbers and CVVs, then scans (before the deletions and again after them) every column of
every table of every schema in the database, bytea columns as raw bytes, every record (key, value,
headers) of every Kafka topic on the broker, every line of the processes' logs and of the suite's
own log. Each value is searched as ASCII and as UTF-16 (both byte orders), a number with and
without the spaces it was sent with. The scan reports what it read, and the test fails if any
category was empty (an empty scan proves nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.conftest import SUITE_LOG
from tests.processes import Stack, relayed_everything
from tests.support import PaymentsClient, VaultClient, wait_until

PANS = ["4111111111111111", "378282246310005", "5200400000000009"]
ACCOUNT_NUMBERS = ["987654321012", "765432109876", "55779911"]
IBAN = "DE89370400440532013000"
NUMBERS = [*PANS, *ACCOUNT_NUMBERS, IBAN, "DE89 3704 0044 0532 0130 00"]
# CVVs that no counter, port, position, duration or timestamp field can produce on its own:
# four digits with a leading zero, matched only when no digit, letter, '.', '-' or '_' touches them.
CVVS = ["0737", "0419", "0583"]


async def drive_every_endpoint(stack: Stack) -> tuple[str, str, str]:
    """Every instrument endpoint; (profile id, card id, that card's token) for the deletions."""
    async with (
        VaultClient(stack.api_url, stack.merchant) as vault,
        VaultClient(stack.api_url, stack.sut_key) as device,
        PaymentsClient(
            stack.tokens_url, stack.payments.client_id, stack.payments.secret
        ) as payments,
    ):
        merchant = stack.merchant.merchant_id
        created = await vault.request(
            "POST",
            "/customervault/v1/profiles",
            {
                "merchantCustomerId": "invariant",
                "locale": "en_US",
                "firstName": "Ada",
                "card": {
                    "cardNum": PANS[0],
                    "cardExpiry": {"month": 1, "year": 2031},
                    "cvv": CVVS[0],
                    "billingAddress": {"country": "US", "zip": "10014"},
                },
            },
        )
        assert created.status == 201, created.text
        pid = created.json["id"]
        base = f"/customervault/v1/profiles/{pid}"
        aid = created.json["addresses"][0]["id"]
        amex = await vault.request(
            "POST",
            f"{base}/cards",
            {
                "cardNum": PANS[1],
                "cardExpiry": {"month": 2, "year": 2032},
                "cvv": CVVS[1],
                "holderName": "ADA LOVELACE",
                "billingAddressId": aid,
            },
        )
        assert amex.status == 201, amex.text
        sut = await device.request(
            "POST",
            "/customervault/v1/singleusetokens",
            {
                "card": {
                    "cardNum": PANS[2],
                    "cardExpiry": {"month": 3, "year": 2033},
                    "cvv": CVVS[2],
                }
            },
        )
        assert sut.status == 200, sut.text
        from_sut = await vault.request(
            "POST", f"{base}/cards", {"singleUseToken": sut.json["paymentToken"]}
        )
        assert from_sut.status == 201, from_sut.text
        cid = amex.json["id"]
        assert (
            await vault.request(
                "PUT",
                f"{base}/cards/{cid}",
                {"cardExpiry": {"month": 4, "year": 2034}, "billingAddressId": aid},
            )
        ).status == 200
        assert (await vault.request("GET", f"{base}/cards/{cid}")).status == 200
        # A duplicate and malformed input: errors must not echo the number either.
        dup = await vault.request(
            "POST", f"{base}/cards", {"cardNum": PANS[1], "cardExpiry": {"month": 2, "year": 2032}}
        )
        assert dup.status == 409
        bad = await vault.request(
            "POST", f"{base}/cards", raw=f'{{"cardNum": "{PANS[0]}", '.encode()
        )
        assert bad.status == 400
        wrong = await vault.request(
            "POST",
            f"{base}/cards",
            {"cardNum": PANS[0] + "0", "cardExpiry": {"month": 1, "year": 2031}},
        )
        assert wrong.status == 400
        assert (await vault.request("GET", f"{base}/cards/{PANS[0]}")).status == 404

        accounts = {
            "ach": {
                "accountNumber": ACCOUNT_NUMBERS[0],
                "routingNumber": "211589828",
                "accountType": "SAVINGS",
                "accountHolderName": "Ada",
            },
            "eft": {
                "accountNumber": ACCOUNT_NUMBERS[1],
                "transitNumber": "25039",
                "institutionId": "001",
                "accountHolderName": "Ada",
            },
            "bacs": {
                "accountNumber": ACCOUNT_NUMBERS[2],
                "sortCode": "207405",
                "accountHolderName": "Ada",
            },
            "sepa": {"iban": "DE89 3704 0044 0532 0130 00", "accountHolderName": "Ada"},
        }
        tokens = [
            created.json["cards"][0]["paymentToken"],
            amex.json["paymentToken"],
            from_sut.json["paymentToken"],
        ]
        for kind, fields in accounts.items():
            account = await vault.request(
                "POST", f"{base}/{kind}bankaccounts", {**fields, "billingAddressId": aid}
            )
            assert account.status == 201, account.text
            tokens.append(account.json["paymentToken"])
            assert (
                await vault.request(
                    "PUT",
                    f"{base}/{kind}bankaccounts/{account.json['id']}",
                    {**fields, "billingAddressId": aid},
                )
            ).status == 200
            if kind in ("bacs", "sepa"):
                mandate = await vault.request(
                    "POST",
                    f"{base}/{kind}bankaccounts/{account.json['id']}/mandates",
                    {"reference": "REF1"},
                )
                assert mandate.status == 201, mandate.text
                tokens.append(mandate.json["paymentToken"])
        for token in tokens:
            resolved = await payments.resolve(merchant, token)
            assert resolved.status == 200, resolved.text
        revealed = "".join([(await payments.resolve(merchant, t)).text for t in tokens])
        assert all(s in revealed.replace(" ", "") for s in (*PANS, *ACCOUNT_NUMBERS, IBAN))
        return pid, cid, tokens[1]


async def delete_everything(stack: Stack, pid: str, cid: str, card_token: str) -> None:
    async with (
        VaultClient(stack.api_url, stack.merchant) as vault,
        PaymentsClient(
            stack.tokens_url, stack.payments.client_id, stack.payments.secret
        ) as payments,
    ):
        base = f"/customervault/v1/profiles/{pid}"
        assert (await vault.request("DELETE", f"{base}/cards/{cid}")).status == 200
        refused = await payments.resolve(stack.merchant.merchant_id, card_token)
        assert refused.code == "5500"
        assert (await vault.request("DELETE", base)).status == 200


def needles(values: list[str]) -> dict[bytes, str]:
    """Each value's bytes as ASCII and as UTF-16 in both byte orders -> the value's label."""
    return {
        value.encode(encoding): f"{value[:4]}…({encoding})"
        for value in values
        for encoding in ("ascii", "utf-16-le", "utf-16-be")
    }


NUMBER_NEEDLES = needles(NUMBERS)
CVV_PATTERNS = [
    (re.compile(rb"(?<![0-9A-Za-z._-])" + cvv.encode() + rb"(?![0-9A-Za-z._-])"), f"CVV {cvv}")
    for cvv in CVVS
] + [(re.compile(re.escape(n)), f"CVV {label}") for n, label in needles(CVVS).items() if b"\0" in n]


@dataclass
class Scan:
    """What one pass read, and what it found (where -> which value)."""

    counts: dict[str, int] = field(default_factory=dict)
    found: list[tuple[str, str]] = field(default_factory=list)

    def count(self, category: str, n: int = 1) -> None:
        self.counts[category] = self.counts.get(category, 0) + n

    def search(self, where: str, data: bytes) -> None:
        for needle, label in NUMBER_NEEDLES.items():
            if needle in data:
                self.found.append((where, label))
        for pattern, label in CVV_PATTERNS:
            if pattern.search(data):
                self.found.append((where, label))

    def report(self, title: str) -> str:
        lines = [f"leak scan {title}:"]
        lines += [f"  {category}: {n}" for category, n in sorted(self.counts.items())]
        lines.append(f"  found: {self.found or 'nothing'}")
        return "\n".join(lines)


async def scan_database(pool: asyncpg.Pool, scan: Scan) -> None:
    """Every column of every table of every schema but PostgreSQL's own; bytea values as the
    bytes they are, everything else as its text form."""
    columns = await pool.fetch(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "USING (table_schema, table_name) WHERE t.table_type = 'BASE TABLE' "
        "AND c.table_schema NOT IN ('pg_catalog', 'information_schema') "
        "AND c.table_schema NOT LIKE 'pg_toast%' ORDER BY 1, 2, c.ordinal_position"
    )
    tables = {(c["table_schema"], c["table_name"]) for c in columns}
    scan.count("schemas", len({schema for schema, _ in tables}))
    scan.count("tables", len(tables))
    for c in columns:
        table = f'"{c["table_schema"]}"."{c["table_name"]}"'
        column = f'"{c["column_name"]}"'
        binary = c["data_type"] == "bytea"
        scan.count("bytea columns" if binary else "other columns")
        expression = column if binary else f"{column}::text"
        values = await pool.fetch(
            f"SELECT {expression} AS v FROM {table} WHERE {column} IS NOT NULL"
        )
        scan.count("bytea values" if binary else "other values", len(values))
        where = f"{c['table_schema']}.{c['table_name']}.{c['column_name']}"
        for row in values:
            value = row["v"]
            scan.search(where, bytes(value) if binary else value.encode())


async def scan_kafka(bootstrap: str, scan: Scan) -> None:
    """Every record of every topic on the broker: key, value, header names and values."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        # The whole cluster's metadata: consumer.topics() names them but keeps no partitions.
        cluster = await consumer._client.fetch_all_metadata()
        # Except the account updater's input (customervault.card-updates.v1 and the tests' copies):
        # the networks' new numbers travel on it to the token service by design, inside the
        # cardholder-data boundary (ACLs, one-day retention: docs/deploying.md). Nothing we
        # produce ever writes to it.
        topics = sorted(t for t in cluster.topics() if "card-updates" not in t)
        scan.count("kafka topics", len(topics))
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in cluster.partitions_for_topic(topic) or []
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                    for r in records:
                        scan.count("kafka records")
                        parts = [r.key or b"", r.value or b""]
                        parts += [k.encode() + b"=" + (v or b"") for k, v in r.headers]
                        scan.search(f"kafka {tp.topic}", b"\n".join(parts))
    finally:
        await consumer.stop()


def scan_logs(logs: dict[str, Path], scan: Scan) -> None:
    for name, path in logs.items():
        lines = path.read_bytes().splitlines()
        scan.count(f"log lines ({name})", len(lines))
        for number, line in enumerate(lines, start=1):
            scan.search(f"log {name}:{number}", line)


async def scan_everything(
    pool: asyncpg.Pool, bootstrap: str, logs: dict[str, Path], title: str
) -> Scan:
    scan = Scan()
    await scan_database(pool, scan)
    await scan_kafka(bootstrap, scan)
    scan_logs(logs, scan)
    print(scan.report(title))
    empty = [
        category
        for category in (
            "tables",
            "bytea columns",
            "bytea values",
            "other columns",
            "other values",
            "kafka topics",
            "kafka records",
            *(f"log lines ({name})" for name in logs),
        )
        if not scan.counts.get(category)
    ]
    assert empty == [], f"nothing scanned in {empty}: {scan.report(title)}"
    return scan


async def flushed(stack: Stack, pool: asyncpg.Pool) -> None:
    """Everything written has reached Kafka: the stack's events and the token-access audit."""

    async def relayed_and_audited() -> bool:
        unpublished = await pool.fetchval("SELECT count(*) FROM tokens.audit_unpublished")
        return unpublished == 0 and await relayed_everything(pool, stack.topic)

    await wait_until(relayed_and_audited, timeout=60)


async def test_no_full_number_cvv_or_iban_anywhere(
    stack: Stack, pool: asyncpg.Pool, settings, request: pytest.FixtureRequest
) -> None:
    pid, cid, card_token = await drive_every_endpoint(stack)
    logs = {name: p.log for name, p in stack.processes.items()}
    logs["suite"] = request.config.stash[SUITE_LOG]
    await flushed(stack, pool)
    before = await scan_everything(pool, settings.kafka_bootstrap_servers, logs, "before deletion")
    # The scenario's own rows were there to be scanned.
    assert await pool.fetchval(
        "SELECT count(*) FROM vault.card_view WHERE profile_id::text = $1", pid
    )

    await delete_everything(stack, pid, cid, card_token)
    await flushed(stack, pool)
    stack.stop_all()  # the processes' last log lines are written
    after = await scan_everything(pool, settings.kafka_bootstrap_servers, logs, "after deletion")
    assert after.counts["kafka records"] > before.counts["kafka records"]
    assert (before.found, after.found) == ([], [])
