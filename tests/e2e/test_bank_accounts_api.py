"""Bank accounts (ACH, EFT, BACS, SEPA) and mandates over HTTP, resolved by a payments client."""

from __future__ import annotations

import re

import pytest

from tests.support import PaymentsClient, VaultClient

BANK_TOKEN = re.compile(r"^D[0-9A-Za-z]{14}$")
MANDATE_TOKEN = re.compile(r"^M[0-9A-Za-z]{14}$")

ACCOUNTS = {
    "ach": (
        {
            "accountHolderName": "XYZ Business",
            "accountNumber": 9876543,
            "routingNumber": "123456789",
            "accountType": "CHECKING",
            "nickName": "RBC Business",
        },
        "9876543",
    ),
    "eft": (
        {
            "accountHolderName": "XYZ Business",
            "accountNumber": "7654321",
            "transitNumber": "25039",
            "institutionId": "001",
        },
        "7654321",
    ),
    "bacs": (
        {"accountHolderName": "Jane Doe", "accountNumber": "55779911", "sortCode": "207405"},
        "55779911",
    ),
    "sepa": (
        {"accountHolderName": "Jane Doe", "iban": "DE89 3704 0044 0532 0130 00", "bic": "ABNANL2A"},
        "DE89370400440532013000",
    ),
}


async def profile_with_address(client: VaultClient) -> tuple[str, str]:
    pid = (await client.create_profile())["id"]
    address = await client.request(
        "POST", f"/customervault/v1/profiles/{pid}/addresses", {"country": "GB", "zip": "SW1A 1AA"}
    )
    return pid, address.json["id"]


@pytest.mark.parametrize("kind", list(ACCOUNTS))
async def test_bank_account_lifecycle(
    kind: str, client: VaultClient, payments: PaymentsClient
) -> None:
    pid, aid = await profile_with_address(client)
    fields, number = ACCOUNTS[kind]
    base = f"/customervault/v1/profiles/{pid}/{kind}bankaccounts"
    created = await client.request("POST", base, {**fields, "billingAddressId": aid})
    assert created.status == 201, created.text
    account = created.json
    bid = account["id"]
    assert created.headers["Location"] == f"{base}/{bid}"
    assert BANK_TOKEN.match(account["paymentToken"])
    assert account["status"] == "ACTIVE"
    assert account["lastDigits"] == number[-2:]
    assert account["billingAddressId"] == aid
    assert number not in created.text and "accountNumber" not in account and "iban" not in account
    assert (await client.request("GET", f"{base}/{bid}/")).json == account
    profile = await client.request(
        "GET", f"/customervault/v1/profiles/{pid}?fields={kind}bankaccounts"
    )
    assert profile.json[f"{kind}BankAccounts"] == [account]

    resolved = await payments.resolve(client.key.merchant_id, account["paymentToken"])
    assert resolved.status == 200, resolved.text
    assert resolved.json["kind"] == kind
    assert number in resolved.text.replace(" ", "")

    without_nickname = {k: v for k, v in fields.items() if k != "nickName"}
    renamed = await client.request(
        "PUT",
        f"{base}/{bid}",
        {**without_nickname, "accountHolderName": "New Name", "billingAddressId": aid},
    )
    assert renamed.status == 200, renamed.text
    assert renamed.json["accountHolderName"] == "New Name"
    assert "nickName" not in renamed.json  # full replacement
    assert renamed.json["paymentToken"] == account["paymentToken"]

    deleted = await client.request("DELETE", f"{base}/{bid}")
    assert (deleted.status, deleted.text) == (200, "")
    assert (await client.request("GET", f"{base}/{bid}")).code == "5269"
    refused = await payments.resolve(client.key.merchant_id, account["paymentToken"])
    assert (refused.status, refused.code) == (404, "5502")


async def test_bank_account_validation(client: VaultClient) -> None:
    pid, aid = await profile_with_address(client)
    base = f"/customervault/v1/profiles/{pid}"
    ach = await client.request(
        "POST",
        f"{base}/achbankaccounts",
        {
            "accountNumber": "12",
            "routingNumber": "1234",
            "accountType": "GOLD",
            "accountHolderName": "x" * 23,
        },
    )
    assert (ach.status, ach.code) == (400, "5068")
    assert sorted(f["field"] for f in ach.json["error"]["fieldErrors"]) == [
        "accountHolderName",
        "accountNumber",
        "accountType",
        "billingAddressId",
        "routingNumber",
    ]
    sepa = await client.request(
        "POST",
        f"{base}/sepabankaccounts",
        {"iban": "DE89370400440532013001", "accountHolderName": "J", "billingAddressId": aid},
    )
    assert sepa.json["error"]["fieldErrors"] == [{"field": "iban", "error": "not a valid IBAN"}]
    assert "DE89370400440532013001" not in sepa.text
    bacs = await client.request(
        "POST",
        f"{base}/bacsbankaccounts",
        {
            "accountNumber": "1234567",
            "sortCode": "20-74-05",
            "accountHolderName": "J",
            "billingAddressId": aid,
        },
    )
    assert sorted(f["field"] for f in bacs.json["error"]["fieldErrors"]) == [
        "accountNumber",
        "sortCode",
    ]
    unknown_kind = await client.request("POST", f"{base}/wirebankaccounts", {})
    assert (unknown_kind.status, unknown_kind.code) == (404, "5273")


async def test_eft_account_numbers_of_five_to_twelve_digits_as_the_sdks_send(
    client: VaultClient, payments: PaymentsClient
) -> None:
    """The official SDKs' samples send 6-digit EFT account numbers (Python: "336657")."""
    pid, aid = await profile_with_address(client)
    base = f"/customervault/v1/profiles/{pid}/eftbankaccounts"
    eft = {"transitNumber": "25039", "institutionId": "001", "accountHolderName": "XYZ"}
    for number in ("33665", "336657", "123456789012"):
        body = {**eft, "accountNumber": number, "billingAddressId": aid}
        created = await client.request("POST", base, body)
        assert created.status == 201, created.text
        assert created.json["lastDigits"] == number[-2:]
        resolved = await payments.resolve(client.key.merchant_id, created.json["paymentToken"])
        assert resolved.json["bankAccount"]["accountNumber"] == number
    for number in ("3366", "1234567890123"):
        refused = await client.request("POST", base, {**eft, "accountNumber": number})
        assert (refused.status, refused.code) == (400, "5068")
        errors = refused.json["error"]["fieldErrors"]
        assert {"field": "accountNumber", "error": "size must be between 5 and 12"} in errors
        assert number not in refused.text


@pytest.mark.parametrize(("kind", "reference"), [("sepa", "SUBSCRIPTION103"), ("bacs", "REF-2026")])
async def test_mandate_lifecycle(
    kind: str, reference: str, client: VaultClient, payments: PaymentsClient
) -> None:
    pid, aid = await profile_with_address(client)
    fields, number = ACCOUNTS[kind]
    account = await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/{kind}bankaccounts",
        {**fields, "billingAddressId": aid},
    )
    bid = account.json["id"]
    created = await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/{kind}bankaccounts/{bid}/mandates/",
        {"reference": reference, "bankAccountId": "ignored"},
    )
    assert created.status == 201, created.text
    mandate = created.json
    mid = mandate["id"]
    assert list(mandate) == [
        "id",
        "reference",
        "bankAccountId",
        "status",
        "statusChangeDate",
        "paymentToken",
    ]
    assert (mandate["reference"], mandate["bankAccountId"], mandate["status"]) == (
        reference,
        bid,
        "PENDING",
    )
    assert MANDATE_TOKEN.match(mandate["paymentToken"])
    path = f"/customervault/v1/profiles/{pid}/mandates/{mid}"
    assert created.headers["Location"] == f"{path}"
    assert (await client.request("GET", path)).json == mandate

    # BACS and SEPA purchases pay with the mandate's token: it resolves to the account.
    resolved = await payments.resolve(client.key.merchant_id, mandate["paymentToken"])
    assert resolved.status == 200, resolved.text
    assert resolved.json["mandate"]["reference"] == reference
    assert number in resolved.text.replace(" ", "")

    cancelled = await client.request("PUT", path, {"status": "CANCELLED"})
    assert cancelled.status == 200
    assert cancelled.json["status"] == "CANCELLED"
    refused = await payments.resolve(client.key.merchant_id, mandate["paymentToken"])
    assert (refused.status, refused.code) == (404, "5502")
    bad_status = await client.request("PUT", path, {"status": "PAUSED"})
    assert (bad_status.status, bad_status.code) == (400, "5068")

    bad_reference = await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/{kind}bankaccounts/{bid}/mandates",
        {"reference": "lower case ~ not allowed"},
    )
    assert (bad_reference.status, bad_reference.code) == (400, "5068")

    deleted = await client.request("DELETE", path)
    assert (deleted.status, deleted.text) == (200, "")
    assert (await client.request("GET", path)).code == "5269"
    # Mandates only exist under BACS and SEPA accounts.
    ach = await client.request(
        "POST",
        f"/customervault/v1/profiles/{pid}/achbankaccounts/{bid}/mandates",
        {"reference": "X"},
    )
    assert ach.code == "5273"


async def test_a_closed_mandate_stays_closed(client: VaultClient, payments: PaymentsClient) -> None:
    pid = (await client.create_profile())["id"]
    base = f"/customervault/v1/profiles/{pid}"
    address = (
        await client.request("POST", f"{base}/addresses", {"country": "GB", "zip": "N1"})
    ).json
    account = (
        await client.request(
            "POST",
            f"{base}/bacsbankaccounts",
            {
                "accountNumber": "55779911",
                "sortCode": "207405",
                "accountHolderName": "A",
                "billingAddressId": address["id"],
            },
        )
    ).json
    mandate = (
        await client.request(
            "POST", f"{base}/bacsbankaccounts/{account['id']}/mandates", {"reference": "REF"}
        )
    ).json
    path = f"{base}/mandates/{mandate['id']}"
    assert (await client.request("PUT", path, {"status": "BATCHED"})).status == 200
    assert (await payments.resolve(client.key.merchant_id, mandate["paymentToken"])).status == 200
    assert (await client.request("PUT", path, {"status": "CANCELLED"})).status == 200
    reopen = await client.request("PUT", path, {"status": "ACTIVE"})
    assert (reopen.status, reopen.code) == (400, "5068")
    assert reopen.json["error"]["fieldErrors"] == [
        {"field": "status", "error": "a closed mandate cannot change status"}
    ]
    refused = await payments.resolve(client.key.merchant_id, mandate["paymentToken"])
    assert (refused.status, refused.code) == (404, "5502")
