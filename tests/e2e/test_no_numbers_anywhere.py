"""The invariant: no full card number, CVV, full bank account number or IBAN in an event, a Kafka
record, a vault view, a log line or an error message.

A scenario drives every instrument endpoint of the real processes with known numbers; then every
table of both schemas, every event payload, both Kafka topics and the logs of all four processes
are scanned. Token-service ciphertexts are scanned too: sealed, the numbers cannot show.
"""

from __future__ import annotations

import asyncio

import asyncpg

from tests.processes import Stack
from tests.support import PaymentsClient, VaultClient, read_topic, wait_until

PANS = ["4111111111111111", "378282246310005", "5200400000000009"]
ACCOUNT_NUMBERS = ["987654321012", "765432109876", "55779911"]
IBAN = "DE89370400440532013000"
SECRETS = [*PANS, *ACCOUNT_NUMBERS, IBAN, "DE89 3704 0044 0532 0130 00"]
CVV = "7391"


async def drive_every_endpoint(stack: Stack) -> None:
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
                    "cvv": CVV,
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
                "cvv": CVV,
                "holderName": "ADA LOVELACE",
                "billingAddressId": aid,
            },
        )
        assert amex.status == 201, amex.text
        sut = await device.request(
            "POST",
            "/customervault/v1/singleusetokens",
            {"card": {"cardNum": PANS[2], "cardExpiry": {"month": 3, "year": 2033}, "cvv": CVV}},
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
        assert (await vault.request("DELETE", f"{base}/cards/{cid}")).status == 200
        assert (await payments.resolve(merchant, tokens[1])).code == "5500"
        assert (await vault.request("DELETE", base)).status == 200


async def text_of_every_table(pool: asyncpg.Pool) -> dict[str, str]:
    tables = await pool.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('vault', 'tokens') AND table_type = 'BASE TABLE'"
    )
    dumps = {}
    for t in tables:
        name = f"{t['table_schema']}.{t['table_name']}"
        rows = await pool.fetch(f"SELECT row_to_json(t)::text AS row FROM {name} t")
        dumps[name] = "\n".join(r["row"] for r in rows)
    events = await pool.fetch("SELECT data FROM vault.events")
    dumps["vault.events payloads"] = "\n".join(bytes(r["data"]).decode() for r in events)
    return dumps


def kafka_text(records: list) -> str:
    parts = []
    for r in records:
        parts.append((r.key or b"").decode(errors="replace"))
        parts.append(r.value.decode(errors="replace"))
        parts.extend(f"{k}={v.decode(errors='replace')}" for k, v in r.headers)
    return "\n".join(parts)


async def test_no_full_number_cvv_or_iban_anywhere(
    stack: Stack, pool: asyncpg.Pool, settings
) -> None:
    await drive_every_endpoint(stack)

    async def relayed_and_audited() -> bool:
        total = await pool.fetchval("SELECT count(*) FROM vault.events")
        published = await pool.fetchval(
            "SELECT events_published FROM vault.relay_checkpoints WHERE relay_name = $1",
            stack.topic,
        )
        unpublished = await pool.fetchval(
            "SELECT count(*) FROM tokens.audit_outbox WHERE published_at IS NULL"
        )
        return published is not None and published >= total and unpublished == 0

    try:
        await wait_until(relayed_and_audited, timeout=60)
    except TimeoutError:
        state = await pool.fetch(
            "SELECT (SELECT count(*) FROM vault.events) AS total, (SELECT events_published FROM "
            "vault.relay_checkpoints WHERE relay_name = $1) AS published, (SELECT count(*) FROM "
            "tokens.audit_outbox WHERE published_at IS NULL) AS unpublished",
            stack.topic,
        )
        raise AssertionError(f"not relayed/audited: {dict(state[0])}\n{stack.logs()}") from None
    await asyncio.sleep(0.5)  # the projector's last batch
    stack.stop_all()

    sources = await text_of_every_table(pool)
    for topic in (stack.topic, stack.audit_topic):
        records = await read_topic(settings.kafka_bootstrap_servers, topic)
        assert records, topic
        sources[f"kafka {topic}"] = kafka_text(records)
    for name, log in stack.logs().items():
        assert log.strip(), f"{name} wrote no log"
        sources[f"log of {name}"] = log

    found = [
        (where, secret) for where, text in sources.items() for secret in SECRETS if secret in text
    ]
    assert found == []
    # A CVV is only ever in a single-use record's ciphertext: no field, key or log names one.
    cvv_mentions = [where for where, text in sources.items() if '"cvv"' in text.lower()]
    assert cvv_mentions == []
    assert any(where == "vault.card_view" for where in sources)  # the views were scanned
