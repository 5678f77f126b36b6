"""The vault API's bodies as msgspec structs, and the static parts of its OpenAPI document.

Nothing decodes with these structs: requests go through the tolerant checker in ``wire.py`` and
responses are built by ``projections.documents``. They exist so that
``msgspec.json.schema_components`` can write the JSON Schemas, and ``tests/unit/test_openapi.py``
holds them to the wire rules (lengths, enums, required keys) and to the documents the API sends.

Optional keys use ``UNSET`` rather than ``None``: the API omits absent fields and never sends
``null``. (On input it treats ``null`` like an absent key.)
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

Locale = Literal["en_US", "fr_CA", "en_GB"]
ProfileStatus = Literal["INITIAL", "ACTIVE"]
AddressStatus = Literal["ACTIVE", "INITIAL"]
Gender = Literal["M", "F"]

CardStatus = Literal["ACTIVE", "INITIAL"]
CardType = Literal["AM", "DC", "DI", "JC", "MC", "MD", "SF", "SO", "VD", "VE", "VI"]
CardCategory = Literal["CREDIT", "DEBIT", "PREPAID", "UNKNOWN"]
BankAccountStatus = Literal["ACTIVE", "INVALID", "INACTIVE"]
AccountType = Literal["CHECKING", "LOAN", "SAVINGS"]
MandateStatus = Literal[
    "INITIAL", "PENDING", "DECLINED", "BATCHED", "ACTIVE", "CANCELLED", "REJECTED", "DISPUTED",
    "INACTIVE",
]  # fmt: skip
StoredCredentialTokenStatus = Literal["UNVERIFIED"]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
COUNTRY_PATTERN = "^[A-Za-z]{2}$"
# Written out here, not imported from instrument_wire.py: tests/unit/test_openapi.py holds these
# (anchored) to the parser's rules, so a change on either side shows.
CARD_NUM_PATTERN = r"^\s*(\d\s*){12,20}$"
CVV_PATTERN = r"^\d{3,4}$"
ID_PATTERN = "^[0-9a-fA-F-]{36}$"
BIC_PATTERN = "^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"
BACS_REFERENCE_PATTERN = r"^[A-Z0-9][A-Z0-9 .&/\-]*$"
SEPA_REFERENCE_PATTERN = r"^[A-Z0-9 (),\-./?]+$"


def _text(max_length: int, description: str = "", min_length: int | None = None) -> Meta:
    return Meta(max_length=max_length, min_length=min_length, description=description or None)


Id = Annotated[uuid.UUID, Meta(description="Lower-case UUID issued by the vault.")]
MerchantCustomerId = Annotated[
    str,
    _text(100, "The merchant's own customer id; unique per merchant (409 7505).", min_length=1),
]
Name = Annotated[str, _text(80)]
Ip = Annotated[str, _text(46, "IPv4 or IPv6 address, as text.")]
Nationality = Annotated[str, _text(30)]
Email = Annotated[
    str,
    Meta(
        max_length=255,
        pattern=EMAIL_PATTERN,
        description="A well-formed e-mail address.",
        extra_json_schema={"format": "email"},
    ),
]
Phone = Annotated[str, _text(40)]
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
Zip = Annotated[str, _text(10, "Postal or ZIP code.", min_length=1)]
Street = Annotated[str, _text(50)]
CityOrState = Annotated[str, _text(40)]
NickName = Annotated[str, _text(50)]
RecipientName = Annotated[str, _text(255)]


class DateOfBirth(msgspec.Struct, kw_only=True):
    """A date of birth. Numeric strings such as "12" are accepted on input; the date must exist (no
    31 February) and its year may not be after the current year."""

    year: Annotated[int, Meta(ge=1900)]
    month: Annotated[int, Meta(ge=1, le=12)]
    day: Annotated[int, Meta(ge=1, le=31)]


class ProfileRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The body of POST /profiles and PUT /profiles/{profileId}.

    PUT is a full replacement: an optional field left out is cleared, except ``status``, which
    is kept when absent. Unknown and read-only keys (``id``, ``paymentToken``, ``addresses``, ...)
    are ignored; ``null`` counts as absent; numbers are accepted for strings.

    On POST, a ``card`` is vaulted with the profile (see ``CardRequest``; its field errors are
    prefixed ``card.``); the answer then has no Location but the profile with its ``addresses``
    and ``cards``. PUT ignores ``card``."""

    merchant_customer_id: MerchantCustomerId
    locale: Annotated[Locale, Meta(description='Anything else answers 5068 "Invalid Locale".')]
    first_name: Name | UnsetType = UNSET
    middle_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    date_of_birth: DateOfBirth | UnsetType = UNSET
    ip: Ip | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    nationality: Nationality | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    cell_phone: Phone | UnsetType = UNSET
    status: (
        Annotated[
            ProfileStatus,
            Meta(
                description="ACTIVE when absent on create; the current status when absent on PUT."
            ),
        ]
        | UnsetType
    ) = UNSET
    card: (
        Annotated[CardRequest, Meta(description="POST only: a card to vault with the profile.")]
        | UnsetType
    ) = UNSET


class AddressRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The body of POST /profiles/{profileId}/addresses and PUT .../addresses/{addressId}.

    ``country`` and ``zip`` are required; PUT is a full replacement. Unknown and read-only keys
    (``id``, ``status``, ``profileId``, ...) are ignored; ``null`` counts as absent; numbers are
    accepted for strings and "true"/"false" for the indicator."""

    country: Country
    zip: Zip
    nick_name: NickName | UnsetType = UNSET
    street: Street | UnsetType = UNSET
    street2: Street | UnsetType = UNSET
    city: CityOrState | UnsetType = UNSET
    state: Annotated[str, _text(40, "Province or state; for CA and US its code.")] | UnsetType = (
        UNSET
    )
    recipient_name: RecipientName | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    default_shipping_address_indicator: bool = False


def _pattern(
    pattern: str, max_length: int, description: str, min_length: int | None = None
) -> Meta:
    return Meta(
        pattern=pattern, max_length=max_length, min_length=min_length, description=description
    )


LinkedId = Annotated[
    str,
    Meta(
        max_length=36,
        pattern=ID_PATTERN,
        description="The id of an address of the same profile (else 400 7511). A value that is "
        'not a UUID answers 5068 "The specified value does not exist in the system."',
        extra_json_schema={"format": "uuid"},
    ),
]
MerchantRefNum = Annotated[str, _text(255, "The merchant's own reference; only stored.")]


class CardExpiry(msgspec.Struct, kw_only=True):
    """A card's expiry. Numeric strings such as "12" are accepted on input; a past date is not
    refused (Paysafe's test API accepted one)."""

    year: Annotated[int, Meta(ge=1000, le=9999)]
    month: Annotated[int, Meta(ge=1, le=12)]


CardNum = Annotated[
    str,
    Meta(
        pattern=CARD_NUM_PATTERN,
        description="12 to 20 digits, white space ignored, passing the Luhn check. Sent to the "
        "token service and never stored or returned by the vault. A number of no known brand "
        "(by BIN range) answers 400 7508.",
        examples=["4111111111111111"],
    ),
]
_SUT = "A single-use token from POST /singleusetokens; number and expiry are then not read."


def _cvv(description: str) -> Meta:
    return Meta(pattern=CVV_PATTERN, description=f"3 or 4 digits. {description}")


HolderName = Annotated[str, _text(160)]


class CardRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The body of POST /profiles/{profileId}/cards, and the ``card`` of POST /profiles.

    Either ``cardNum`` and ``cardExpiry``, or a ``singleUseToken`` (which brings number, expiry,
    holder name and billing address; an unknown or expired one answers 5068 on
    ``singleUseToken``, or ``card.singleUseToken`` inside a profile). The same number twice on one
    profile answers 409 7503. ``billingAddress`` creates a new address on the profile and links
    it; ``billingAddressId`` links an existing one; not both. The first card of a profile is its
    default whatever ``defaultCardIndicator`` says. Unknown and read-only keys (``id``,
    ``status``, ``cardBin``, ``paymentToken``, ...) are ignored."""

    single_use_token: (
        Annotated[str, Meta(pattern="^SC[0-9A-Za-z]{14}$", description=_SUT)] | UnsetType
    ) = UNSET
    card_num: CardNum | UnsetType = UNSET
    card_expiry: CardExpiry | UnsetType = UNSET
    cvv: Annotated[str, _cvv("Checked, then dropped: the vault keeps no CVV.")] | UnsetType = UNSET
    holder_name: HolderName | UnsetType = UNSET
    nick_name: NickName | UnsetType = UNSET
    merchant_ref_num: MerchantRefNum | UnsetType = UNSET
    default_card_indicator: bool = False
    billing_address_id: LinkedId | UnsetType = UNSET
    billing_address: AddressRequest | UnsetType = UNSET


class CardUpdateRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The body of PUT /profiles/{profileId}/cards/{cardId}: a full replacement of the updatable
    fields (a field left out is cleared, as Paysafe does), except that nothing is required: an
    absent ``cardExpiry`` or ``defaultCardIndicator`` is kept. The number cannot change;
    ``cardNum``, ``cvv``, ``singleUseToken`` and ``billingAddress`` are ignored."""

    card_expiry: CardExpiry | UnsetType = UNSET
    holder_name: HolderName | UnsetType = UNSET
    nick_name: NickName | UnsetType = UNSET
    merchant_ref_num: MerchantRefNum | UnsetType = UNSET
    default_card_indicator: bool | UnsetType = UNSET
    billing_address_id: LinkedId | UnsetType = UNSET


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


def _digits(low: int, high: int) -> Meta:
    size = f"{low}" if low == high else f"{low}-{high}"
    return _pattern(f"^\\d{{{low},{high}}}$", high, f"{size} digits.", min_length=low)


_BANK_NOTE = """

The full number goes to the token service and is never returned; ``lastDigits`` holds its last
two digits. PUT is a full replacement with the same required fields, except that the number may
be left out; it cannot change (5068 on it when a different one is sent). Unknown and read-only keys are ignored."""


class AchBankAccountRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    __doc__ = "The body of POST and PUT .../achbankaccounts[/{bankAccountId}]." + _BANK_NOTE

    nick_name: NickName | UnsetType = UNSET
    merchant_ref_num: MerchantRefNum | UnsetType = UNSET
    account_holder_name: Annotated[str, _text(22, min_length=1)]
    account_type: AccountType
    account_number: Annotated[str, _digits(4, 17)]
    routing_number: Annotated[str, _digits(9, 9)]
    billing_address_id: LinkedId


class EftBankAccountRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    __doc__ = "The body of POST and PUT .../eftbankaccounts[/{bankAccountId}]." + _BANK_NOTE

    nick_name: NickName | UnsetType = UNSET
    merchant_ref_num: MerchantRefNum | UnsetType = UNSET
    account_holder_name: Annotated[str, _text(30, min_length=1)]
    account_number: Annotated[str, _digits(7, 12)]
    transit_number: Annotated[str, _digits(5, 5)]
    institution_id: Annotated[str, _digits(3, 3)]
    billing_address_id: LinkedId


class BacsBankAccountRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    __doc__ = "The body of POST and PUT .../bacsbankaccounts[/{bankAccountId}]." + _BANK_NOTE

    nick_name: NickName | UnsetType = UNSET
    merchant_ref_num: MerchantRefNum | UnsetType = UNSET
    account_holder_name: Annotated[str, _text(18, min_length=1)]
    account_number: Annotated[str, _digits(8, 8)]
    sort_code: Annotated[str, _digits(6, 6)]
    billing_address_id: LinkedId


class SepaBankAccountRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    __doc__ = "The body of POST and PUT .../sepabankaccounts[/{bankAccountId}]." + _BANK_NOTE

    nick_name: NickName | UnsetType = UNSET
    merchant_ref_num: MerchantRefNum | UnsetType = UNSET
    account_holder_name: Annotated[str, _text(70, min_length=1)]
    iban: Annotated[
        str,
        _text(
            42,
            "White space is removed and letters upper-cased; then 15-34 letters and digits "
            "passing the ISO 13616 mod-97 check.",
            min_length=1,
        ),
    ]
    bic: Annotated[str, _pattern(BIC_PATTERN, 11, "8 or 11 characters.")] | UnsetType = UNSET
    billing_address_id: LinkedId


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


class AchBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """An ACH (US) bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    account_type: AccountType
    last_digits: LastDigits
    routing_number: str
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class EftBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """An EFT (Canadian) bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    transit_number: str
    institution_id: str
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class BacsBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A BACS (UK) bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    sort_code: str
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class SepaBankAccount(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A SEPA bank account."""

    id: Id
    nick_name: str | UnsetType = UNSET
    merchant_ref_num: str | UnsetType = UNSET
    status: BankStatus
    account_holder_name: str
    last_digits: LastDigits
    bic: str | UnsetType = UNSET
    billing_address_id: BankBillingAddressId | UnsetType = UNSET
    payment_token: BankPaymentToken


class BacsMandateRequest(msgspec.Struct, kw_only=True):
    """The body of POST .../bacsbankaccounts/{bankAccountId}/mandates. Other keys (Ruby's
    ``bankAccountId``) are ignored."""

    reference: Annotated[
        str,
        _pattern(
            BACS_REFERENCE_PATTERN,
            10,
            "Upper-case letters, digits, space and .&/-, starting with a letter or digit.",
            min_length=1,
        ),
    ]


class SepaMandateRequest(msgspec.Struct, kw_only=True):
    """The body of POST .../sepabankaccounts/{bankAccountId}/mandates. Other keys are ignored."""

    reference: Annotated[
        str,
        _pattern(
            SEPA_REFERENCE_PATTERN,
            35,
            "Upper-case letters, digits, space and (),-./?",
            min_length=1,
        ),
    ]


class MandateStatusRequest(msgspec.Struct, kw_only=True):
    """The body of PUT /profiles/{profileId}/mandates/{mandateId}: the new status, any of the
    enumeration. DECLINED, CANCELLED, REJECTED, DISPUTED and INACTIVE make the mandate's payment
    token stop resolving; the other statuses make it resolve again."""

    status: MandateStatus


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


class SingleUseTokenCard(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The card of a single-use-token request. ``singleUseToken`` is refused (5068); nickName
    and merchantRefNum are checked but not kept. A number of no known brand answers 400 7508."""

    card_num: CardNum
    card_expiry: CardExpiry
    cvv: (
        Annotated[str, _cvv("Kept by the token service until redeemed or expired.")] | UnsetType
    ) = UNSET
    holder_name: HolderName | UnsetType = UNSET
    billing_address: AddressRequest | UnsetType = UNSET


class SingleUseTokenRequest(msgspec.Struct, kw_only=True):
    """The body of POST /singleusetokens."""

    card: SingleUseTokenCard


class BillingAddress(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """The billing address as sent (country upper-cased); absent fields omitted."""

    country: Country
    nick_name: str | UnsetType = UNSET
    street: str | UnsetType = UNSET
    street2: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    state: str | UnsetType = UNSET
    zip: str | UnsetType = UNSET
    recipient_name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET


class SingleUseTokenCardSummary(msgspec.Struct, kw_only=True, rename="camel"):
    """The masked card behind a single-use token."""

    card_bin: str
    last_digits: str
    card_expiry: CardExpiry
    card_type: CardType
    card_category: CardCategory


class SingleUseToken(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A single-use token: valid for 15 minutes, redeemable once (POST /profiles with a ``card``
    or POST /profiles/{profileId}/cards, as ``singleUseToken``)."""

    id: Id
    payment_token: Annotated[str, Meta(examples=["SCCtUl97MFABvPm3"])]
    time_to_live_seconds: Annotated[int, Meta(ge=0)]
    billing_address: BillingAddress | UnsetType = UNSET
    card: SingleUseTokenCardSummary


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


class SearchResult(msgspec.Struct):
    """Customer-search hits, most recently changed first (at most ``limit``)."""

    profiles: list[CustomerSummary]


class Link(msgspec.Struct):
    rel: Annotated[str, Meta(examples=["errorinfo", "existing_entity"])]
    href: Annotated[str, Meta(extra_json_schema={"format": "uri"})]


class FieldError(msgspec.Struct):
    field: Annotated[
        str, Meta(description="Dotted path of the field, e.g. dateOfBirth.day", examples=["locale"])
    ]
    error: Annotated[str, Meta(examples=["may not be empty"])]


class ErrorDetail(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    code: Annotated[
        str,
        Meta(
            pattern="^[0-9]+$",
            description="The Paysafe error code, also sent as X-Application-Status-Code.",
            examples=["5068"],
        ),
    ]
    message: str
    field_errors: (
        Annotated[list[FieldError], Meta(description="One entry per problem (5068).")] | UnsetType
    ) = UNSET
    links: Annotated[list[Link], Meta(description='One "errorinfo" link to the code\'s docs.')]


class Error(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Every error answer: a JSON body, and the code in the X-Application-Status-Code header."""

    error: ErrorDetail
    links: (
        Annotated[
            list[Link],
            Meta(
                description='"existing_entity" links to the conflicting profiles (7505, 7521) or '
                "card (7503, as /customervault/v1/cards/{cardId}, without the profile)."
            ),
        ]
        | UnsetType
    ) = UNSET


class Monitor(msgspec.Struct):
    status: Literal["READY"]


SCHEMAS: tuple[type[msgspec.Struct], ...] = (
    Profile,
    ProfileRequest,
    Address,
    AddressRequest,
    DateOfBirth,
    Card,
    CardRequest,
    CardUpdateRequest,
    CardExpiry,
    AchBankAccount,
    AchBankAccountRequest,
    EftBankAccount,
    EftBankAccountRequest,
    BacsBankAccount,
    BacsBankAccountRequest,
    SepaBankAccount,
    SepaBankAccountRequest,
    Mandate,
    BacsMandateRequest,
    SepaMandateRequest,
    MandateStatusRequest,
    SingleUseToken,
    SingleUseTokenRequest,
    SingleUseTokenCard,
    SingleUseTokenCardSummary,
    BillingAddress,
    SearchResult,
    CustomerSummary,
    Error,
    ErrorDetail,
    FieldError,
    Link,
    Monitor,
)


# --- the static components: parameters, headers, security scheme, description ---------------------

FIELDS = (
    "addresses",
    "cards",
    "achbankaccounts",
    "eftbankaccounts",
    "bacsbankaccounts",
    "sepabankaccounts",
)


def _path_id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": "Anything but an id of the merchant's live resources answers 404 5269.",
        "schema": {"type": "string", "format": "uuid"},
    }


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


# Constraints JSON Schema can state but a msgspec struct cannot; merged into the generated schemas.
EXTRA_CONSTRAINTS: dict[str, dict[str, Any]] = {
    "CardRequest": {
        "anyOf": [{"required": ["cardNum", "cardExpiry"]}, {"required": ["singleUseToken"]}],
        "not": {"required": ["billingAddress", "billingAddressId"]},
    },
    "SingleUseTokenCard": {"not": {"required": ["singleUseToken"]}},
}

PARAMETERS: dict[str, Any] = {
    "profileId": _path_id("profileId"),
    "addressId": _path_id("addressId"),
    "cardId": _path_id("cardId"),
    "bankAccountId": _path_id("bankAccountId"),
    "mandateId": _path_id("mandateId"),
    "fields": {
        "name": "fields",
        "in": "query",
        "description": "Sub-collections to embed, comma-separated (raw or %2C), any case. Empty "
        "means none; unknown names are ignored. Each name asked for adds its array, [] when "
        "empty: addresses, cards, and achBankAccounts, eftBankAccounts, bacsBankAccounts, "
        "sepaBankAccounts for the bank kinds.",
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string", "enum": list(FIELDS)}},
    },
    "X-Request-Id": {
        "name": "X-Request-Id",
        "in": "header",
        "description": "Echoed back and logged; a new id is made when absent or invalid.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
    },
}
HEADERS: dict[str, Any] = {
    "Location": _header("Absolute URL of the new resource.", format="uri"),
    "WWW-Authenticate": _header('Always Basic realm="authSecurity".'),
    "Allow": _header("The methods the path supports, comma-separated."),
    "X-Request-Id": _header("The request's id, as logged."),
    "X-Applicationuid": _header("GUID=<request id>, as Paysafe sends it."),
    "Cache-Control": _header("max-age=0, no-cache, no-store"),
    "Pragma": _header("no-cache"),
}
SECURITY_SCHEMES: dict[str, Any] = {
    "basicAuth": {
        "type": "http",
        "scheme": "basic",
        "description": "A server API key. User name: the key id; password: the key password. "
        "It reaches every authenticated path but /singleusetokens (403 5270).",
    },
    "singleUseTokenAuth": {
        "type": "http",
        "scheme": "basic",
        "description": "A single-use-token API key (the kind handed to client devices), as "
        "id:password. It reaches /singleusetokens only (403 5270 elsewhere).",
    },
}

DESCRIPTION = """\
A Paysafe Customer Vault REST API v1 compatible vault: customer profiles, their addresses, cards,
ACH/EFT/BACS/SEPA bank accounts and mandates, card single-use tokens, plus a customer-search
extension. Card and account numbers go to a separate token service; the vault keeps payment tokens
and masked data only.

* **Authentication**: HTTP Basic with an API key id and password, on every `/customervault/v1`
  path except this document. Server keys reach everything but `/singleusetokens`; single-use-token
  keys reach only `/singleusetokens`. The other combinations answer 403 5270.
* **Token service**: operations that create, change or delete an instrument (and profile create
  with a card, profile delete) call it; when it is unavailable they answer 503 1000 and can be
  retried.
* **Paths** work with and without a trailing slash; an empty query (`?`) is ignored.
* **Bodies** are read tolerantly, as Paysafe's SDKs expect: numeric strings for integers, the
  strings "true"/"false" for booleans, numbers for strings; unknown and read-only keys are ignored;
  `null` counts as absent. Any JSON-ish Content-Type is accepted (`application/json` with or without
  charset, `text/json`, `*+json`, `text/plain`, `application/octet-stream`, none).
* **Errors** always have a JSON body (schema `Error`) and the code in `X-Application-Status-Code`.
  A method a path does not list answers 405 5281 with an `Allow` header
  (`#/components/responses/MethodNotAllowed`); a URL that matches no path answers 404 5273
  (`#/components/responses/UnknownUrl`). Authentication is checked first.
* **Absent fields** are omitted from responses, never `null`.
"""
