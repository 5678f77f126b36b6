"""Reads from the profile view, always scoped to the calling merchant."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from infra.sqlfiles import Queries
from projections.documents import (
    ADDRESS_KEY_ORDER,
    BANK_ACCOUNT_KEY_ORDER,
    CARD_KEY_ORDER,
    MANDATE_KEY_ORDER,
    PROFILE_KEY_ORDER,
    ordered,
)


class _Sql(Queries, package="service"):
    profile_view_get_with: str
    profile_view_by_customer_id: str
    address_view_get: str
    card_view_get: str
    bank_account_view_get: str
    mandate_view_get: str


# fields=… names (lower case, as the SDKs send them) → the profile's JSON key, per bank kind.
BANK_FIELDS = {
    "achbankaccounts": ("ach", "achBankAccounts"),
    "eftbankaccounts": ("eft", "eftBankAccounts"),
    "bacsbankaccounts": ("bacs", "bacsBankAccounts"),
    "sepabankaccounts": ("sepa", "sepaBankAccounts"),
}
_decode = msgspec.json.Decoder(dict[str, Any]).decode
_decode_list = msgspec.json.Decoder(list[dict[str, Any]]).decode


def _profile(raw: str) -> dict[str, Any]:
    return ordered(_decode(raw), PROFILE_KEY_ORDER)


def _address(raw: str) -> dict[str, Any]:
    return ordered(_decode(raw), ADDRESS_KEY_ORDER)


# Paysafe shows storedCredentialTokenStatus on a card's create and GET, never inside a profile.
STORED_CREDENTIAL = {"storedCredentialTokenStatus": "UNVERIFIED"}


def _card(raw: str) -> dict[str, Any]:
    return ordered({**_decode(raw), **STORED_CREDENTIAL}, CARD_KEY_ORDER)


def _bank_account(raw: str) -> dict[str, Any]:
    return ordered(_decode(raw), BANK_ACCOUNT_KEY_ORDER)


class ProfileView:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def profile(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, fields: frozenset[str]
    ) -> dict[str, Any] | None:
        wanted_banks = {BANK_FIELDS[f][0]: BANK_FIELDS[f][1] for f in fields if f in BANK_FIELDS}
        row = await self._pool.fetchrow(
            _Sql.profile_view_get_with,
            profile_id,
            merchant_id,
            "addresses" in fields,
            "cards" in fields,
            bool(wanted_banks),
        )
        if row is None:
            return None
        document = _profile(row["document"])
        if row["addresses"] is not None:
            document["addresses"] = [
                ordered(a, ADDRESS_KEY_ORDER) for a in _decode_list(row["addresses"])
            ]
        if row["cards"] is not None:
            document["cards"] = [ordered(c, CARD_KEY_ORDER) for c in _decode_list(row["cards"])]
        if row["bank_accounts"] is not None:
            for key in wanted_banks.values():
                document[key] = []
            for account in _decode_list(row["bank_accounts"]):
                if account["kind"] in wanted_banks:
                    document[wanted_banks[account["kind"]]].append(
                        ordered(account["document"], BANK_ACCOUNT_KEY_ORDER)
                    )
        return document

    async def card(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, card_id: uuid.UUID
    ) -> tuple[dict[str, Any], str] | None:
        """The Card resource (as GET returns it) and its payment token."""
        row = await self._pool.fetchrow(_Sql.card_view_get, card_id, profile_id, merchant_id)
        return None if row is None else (_card(row["document"]), row["payment_token"])

    async def bank_account(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, account_id: uuid.UUID, kind: str
    ) -> tuple[dict[str, Any], str] | None:
        row = await self._pool.fetchrow(
            _Sql.bank_account_view_get, account_id, profile_id, merchant_id, kind
        )
        return None if row is None else (_bank_account(row["document"]), row["payment_token"])

    async def mandate(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, mandate_id: uuid.UUID
    ) -> tuple[dict[str, Any], str] | None:
        row = await self._pool.fetchrow(_Sql.mandate_view_get, mandate_id, profile_id, merchant_id)
        if row is None:
            return None
        return ordered(_decode(row["document"]), MANDATE_KEY_ORDER), row["payment_token"]

    async def profiles_by_customer_id(
        self, merchant_id: uuid.UUID, merchant_customer_id: str
    ) -> list[tuple[uuid.UUID, dict[str, Any]]]:
        rows = await self._pool.fetch(
            _Sql.profile_view_by_customer_id, merchant_id, merchant_customer_id
        )
        return [(r["profile_id"], _profile(r["document"])) for r in rows]

    async def address(
        self, merchant_id: uuid.UUID, profile_id: uuid.UUID, address_id: uuid.UUID
    ) -> dict[str, Any] | None:
        raw = await self._pool.fetchval(_Sql.address_view_get, address_id, profile_id, merchant_id)
        return None if raw is None else _address(raw)
