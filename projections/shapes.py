"""The shapes of the documents the vault sends (built by ``projections.documents``), as msgspec
structs: the OpenAPI document's response schemas are generated from them, the documents' key
orders are read from them, and ``tests/unit/test_openapi.py`` validates rendered documents against
them.

Optional keys use ``UNSET`` rather than ``None``: the API omits absent fields and never sends
``null``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

# Statuses and kinds are defined once, with the events that store them.
from events.types import (
    AccountType,
    AddressStatus,
    BankAccountStatus,
    CardStatus,
    MandateStatus,
    ProfileStatus,
)

Locale = Literal["en_US", "fr_CA", "en_GB"]
Gender = Literal["M", "F"]
CardType = Literal["AM", "DC", "DI", "JC", "MC", "MD", "SF", "SO", "VD", "VE", "VI"]
CardCategory = Literal["CREDIT", "DEBIT", "PREPAID", "UNKNOWN"]
StoredCredentialTokenStatus = Literal["UNVERIFIED"]


COUNTRY_PATTERN = "^[A-Za-z]{2}$"
Id = Annotated[uuid.UUID, Meta(description="Lower-case UUID issued by the vault.")]
PaymentToken = Annotated[
    str,
    Meta(
        description="The profile's permanent payment token: 'P' and 14 base62 characters. Stable "
        "across updates; do not parse it.",
        examples=["PJuZaa01cd2mbvU"],
    ),
]
Country = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=2,
        pattern=COUNTRY_PATTERN,
        description="ISO 3166-1 alpha-2 country code; stored and returned in upper case.",
        examples=["CA"],
    ),
]


class DateOfBirth(msgspec.Struct, kw_only=True):
    """A date of birth. Numeric strings such as "12" are accepted on input; the date must exist (no
    31 February) and its year may not be after the current year."""

    year: Annotated[int, Meta(ge=1900)]
    month: Annotated[int, Meta(ge=1, le=12)]
    day: Annotated[int, Meta(ge=1, le=31)]


class CardExpiry(msgspec.Struct, kw_only=True):
    """A card's expiry. Numeric strings such as "12" are accepted on input; a past date is not
    refused (Paysafe's test API accepted one)."""

    year: Annotated[int, Meta(ge=1000, le=9999)]
    month: Annotated[int, Meta(ge=1, le=12)]


class Card(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A vaulted card: masked data and its permanent payment token, never the number."""

    status: CardStatus
    id: Id
    nick_name: str | UnsetType = UNSET
    holder_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    card_bin: Annotated[str, Meta(description="The first 6 digits.", examples=["411111"])]
    last_digits: Annotated[str, Meta(description="The last 4 digits.", examples=["1111"])]
    card_expiry: CardExpiry
    billing_address_id: (
        Annotated[uuid.UUID, Meta(description="Gone when the address is deleted.")] | UnsetType
    ) = UNSET
    card_type: Annotated[CardType, Meta(description="From the BIN range.")]
    card_category: Annotated[
        CardCategory,
        Meta(
            description="Without an issuer BIN table: VI, MC, AM, DC, DI and JC are CREDIT; VE, "
            "MD and SO are DEBIT."
        ),
    ]
    payment_token: Annotated[
        str,
        Meta(
            description="The card's permanent payment token; unchanged by updates.",
            examples=["CQPpTVEkrHFn7Go"],
        ),
    ]
    stored_credential_token_status: (
        Annotated[
            StoredCredentialTokenStatus,
            Meta(description="Only in the answers of card create and GET, as Paysafe sends it."),
        ]
        | UnsetType
    ) = UNSET
    default_card_indicator: bool
    single_use_token: (
        Annotated[str, Meta(description="The single-use token the card was made from.")] | UnsetType
    ) = UNSET


LastDigits = Annotated[
    str, Meta(description="The last two digits of the account number.", examples=["22"])
]
BankPaymentToken = Annotated[
    str, Meta(description="The account's permanent payment token; unchanged by updates.")
]
BankBillingAddressId = Annotated[uuid.UUID, Meta(description="Gone when the address is deleted.")]
BankStatus = Annotated[
    BankAccountStatus, Meta(description="ACTIVE; a deleted account is gone (404 5269).")
]


class _BankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """What every kind of bank account holds; each kind's own fields follow these."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class AchBankAccount(_BankAccount, kw_only=True, rename="camel", omit_defaults=True):
    """An ACH (US) bank account."""

    account_type: AccountType
    routing_number: str


class EftBankAccount(_BankAccount, kw_only=True, rename="camel", omit_defaults=True):
    """An EFT (Canadian) bank account."""

    transit_number: str
    institution_id: str


class BacsBankAccount(_BankAccount, kw_only=True, rename="camel", omit_defaults=True):
    """A BACS (UK) bank account."""

    sort_code: str


class SepaBankAccount(_BankAccount, kw_only=True, rename="camel", omit_defaults=True):
    """A SEPA bank account."""

    bic: str | UnsetType = UNSET


class Mandate(msgspec.Struct, kw_only=True, rename="camel"):
    """A BACS or SEPA direct-debit mandate. No ``links`` (SDK-py has no handler for them)."""

    id: Id
    reference: str
    bank_account_id: Id
    status: Annotated[MandateStatus, Meta(description="PENDING when created.")]
    status_change_date: Annotated[
        str,
        Meta(
            description="When the status last changed (UTC, seconds).",
            examples=["2025-01-31T12:00:00Z"],
            extra_json_schema={"format": "date-time"},
        ),
    ]
    payment_token: Annotated[
        str, Meta(description="The token BACS and SEPA purchases use; permanent.")
    ]


class Address(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """An address of a profile. Absent fields are omitted, never null."""

    id: Id
    nick_name: str | UnsetType = UNSET
    street: str | UnsetType = UNSET
    street2: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    country: Country
    state: str | UnsetType = UNSET
    zip: str | UnsetType = UNSET
    recipient_name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    default_shipping_address_indicator: bool
    status: AddressStatus


_COLLECTION = "Present (possibly empty) only when `fields` names {}."


class Profile(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A customer profile. Absent fields are omitted, never null."""

    id: Id
    status: ProfileStatus
    merchant_customer_id: str
    locale: Locale
    first_name: str | UnsetType = UNSET
    middle_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    date_of_birth: DateOfBirth | UnsetType = UNSET
    ip: str | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    nationality: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    cell_phone: str | UnsetType = UNSET
    payment_token: PaymentToken
    addresses: (
        Annotated[
            list[Address],
            Meta(
                description="Present (possibly empty) when `fields` names addresses, and on the "
                "answer of a create with a card."
            ),
        ]
        | UnsetType
    ) = UNSET
    cards: (
        Annotated[
            list[Card],
            Meta(
                description="Present (possibly empty) when `fields` names cards, and on the answer "
                "of a create with a card; without storedCredentialTokenStatus."
            ),
        ]
        | UnsetType
    ) = UNSET
    ach_bank_accounts: (
        Annotated[list[AchBankAccount], Meta(description=_COLLECTION.format("achbankaccounts"))]
        | UnsetType
    ) = UNSET
    eft_bank_accounts: (
        Annotated[list[EftBankAccount], Meta(description=_COLLECTION.format("eftbankaccounts"))]
        | UnsetType
    ) = UNSET
    bacs_bank_accounts: (
        Annotated[list[BacsBankAccount], Meta(description=_COLLECTION.format("bacsbankaccounts"))]
        | UnsetType
    ) = UNSET
    sepa_bank_accounts: (
        Annotated[list[SepaBankAccount], Meta(description=_COLLECTION.format("sepabankaccounts"))]
        | UnsetType
    ) = UNSET


class CustomerSummary(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A customer-search hit: the profile's identifying fields only."""

    id: Id
    status: ProfileStatus
    merchant_customer_id: str
    first_name: str | UnsetType = UNSET
    middle_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    cell_phone: str | UnsetType = UNSET


DOCUMENTS: tuple[type[msgspec.Struct], ...] = (
    Profile,
    Address,
    DateOfBirth,
    Card,
    CardExpiry,
    AchBankAccount,
    EftBankAccount,
    BacsBankAccount,
    SepaBankAccount,
    Mandate,
    CustomerSummary,
)
