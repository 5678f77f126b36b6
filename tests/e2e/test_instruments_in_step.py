"""The token service's copy of a card stays in step with the vault's: partial updates keep what
Paysafe keeps, address changes reach the cards billed to them, a refused create leaves the
single-use token unspent, and short numbers keep their hidden digits hidden."""

from __future__ import annotations

from tests.support import PaymentsClient, VaultClient

VISA = "4111111111111111"


async def test_short_card_numbers_keep_six_digits_hidden(
    client: VaultClient, payments: PaymentsClient
) -> None:
    pid = (await client.create_profile())["id"]
    maestro = "501800000009"  # 12 digits: first six and last four would leave two to guess
    reply = await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/cards",
        {"cardNum": maestro, "cardExpiry": {"month": 1, "year": 2031}},
    )
    assert reply.status == 201, reply.text
    assert (reply.json["cardBin"], reply.json["lastDigits"]) == ("50", "0009")
    assert reply.json["cardType"] == "MD"
    resolved = await payments.resolve(client.key.merchant_id, reply.json["paymentToken"])
    assert resolved.json["card"]["cardNum"] == maestro


async def test_partial_updates_keep_what_paysafe_keeps(
    client: VaultClient, payments: PaymentsClient
) -> None:
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}"
    address = (
        await client.request(
            "POST", f"{base}/addresses", {"country": "US", "zip": "10014", "street": "1 Main"}
        )
    ).json
    card = (
        await client.request(
            "POST",
            f"{base}/cards",
            {
                "cardNum": VISA,
                "cardExpiry": {"month": 1, "year": 2031},
                "billingAddressId": address["id"],
            },
        )
    ).json
    # The billing address travels with the card to the token service (AVS at payment time).
    resolved = await payments.resolve(client.key.merchant_id, card["paymentToken"])
    assert resolved.json["billingAddress"] == {"street": "1 Main", "country": "US", "zip": "10014"}
    # A PUT with no expiry keeps it (nothing is required on a card PUT); the billing link left
    # out is cleared, in the vault and in the token service alike.
    renamed = await client.request("PUT", f"{base}/cards/{card['id']}", {"nickName": "n"})
    assert renamed.status == 200, renamed.text
    assert renamed.json["cardExpiry"] == {"year": 2031, "month": 1}
    assert "billingAddressId" not in renamed.json
    resolved = await payments.resolve(client.key.merchant_id, card["paymentToken"])
    assert "billingAddress" not in resolved.json
    assert resolved.json["card"]["cardExpiry"] == {"month": 1, "year": 2031}
    # A bank-account PUT may leave the number out.
    ach = (
        await client.request(
            "POST",
            f"{base}/achbankaccounts",
            {
                "accountNumber": "987654321012",
                "routingNumber": "211589828",
                "accountType": "CHECKING",
                "accountHolderName": "A",
                "billingAddressId": address["id"],
            },
        )
    ).json
    update = await client.request(
        "PUT",
        f"{base}/achbankaccounts/{ach['id']}",
        {
            "routingNumber": "211589828",
            "accountType": "SAVINGS",
            "accountHolderName": "B",
            "billingAddressId": address["id"],
        },
    )
    assert update.status == 200, update.text
    assert (update.json["accountType"], update.json["accountHolderName"]) == ("SAVINGS", "B")
    changed = await client.request(
        "PUT",
        f"{base}/achbankaccounts/{ach['id']}",
        {
            "accountNumber": "111122223333",
            "routingNumber": "211589828",
            "accountType": "SAVINGS",
            "accountHolderName": "B",
            "billingAddressId": address["id"],
        },
    )
    assert (changed.status, changed.code) == (400, "5068")


async def test_a_refusable_create_does_not_consume_the_single_use_token(
    client: VaultClient, sut_client: VaultClient
) -> None:
    pid = (await client.create_profile())["id"]
    sut = (
        await sut_client.request(
            "POST",
            "/customervault/v1/singleusetokens",
            {"card": {"cardNum": VISA, "cardExpiry": {"month": 1, "year": 2031}, "cvv": "123"}},
        )
    ).json
    cards = f"/customervault/v1/profiles/{pid}/cards"
    wrong = await client.request(
        "POST",
        cards,
        {
            "singleUseToken": sut["paymentToken"],
            "billingAddressId": "00000000-0000-4000-8000-000000000000",
        },
    )
    assert (wrong.status, wrong.code) == (400, "7511")
    fixed = await client.request("POST", cards, {"singleUseToken": sut["paymentToken"]})
    assert fixed.status == 201, fixed.text


async def test_address_changes_reach_the_cards_billed_to_them(
    client: VaultClient, payments: PaymentsClient
) -> None:
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}"
    address = (
        await client.request("POST", f"{base}/addresses", {"country": "US", "zip": "10014"})
    ).json
    card = (
        await client.request(
            "POST",
            f"{base}/cards",
            {
                "cardNum": VISA,
                "cardExpiry": {"month": 5, "year": 2032},
                "holderName": "J DOE",
                "billingAddressId": address["id"],
            },
        )
    ).json
    moved = await client.request(
        "PUT",
        f"{base}/addresses/{address['id']}",
        {"country": "CA", "zip": "M5H 2N2", "city": "Toronto"},
    )
    assert moved.status == 200
    resolved = (await payments.resolve(client.key.merchant_id, card["paymentToken"])).json
    assert resolved["billingAddress"] == {"country": "CA", "zip": "M5H 2N2", "city": "Toronto"}
    assert resolved["card"]["cardExpiry"] == {"month": 5, "year": 2032}
    assert resolved["card"]["holderName"] == "J DOE"
    assert (await client.request("DELETE", f"{base}/addresses/{address['id']}")).status == 200
    resolved = (await payments.resolve(client.key.merchant_id, card["paymentToken"])).json
    assert "billingAddress" not in resolved
    assert resolved["card"]["holderName"] == "J DOE"
