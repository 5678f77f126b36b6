"""Request bodies of cards, bank accounts, mandates and single-use tokens.

Parsing splits each body into what goes to the token service (the number, CVV, expiry and holder)
and what the aggregate keeps (token, masked data, nicknames, links). Field errors name the rule,
never the rejected value: a mistyped card number must not come back in an error.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from events.types import BankAccountPersonal, CardExpiry, CardPersonal
from service.api.errors import FieldError, invalid
from service.api.validation import Checker, Choice, Flag, Integer, Text
from service.api.wire import ADDRESS_RULES, AddressBody, address_body
from service.domain.numbers import card_brand, iban_valid, luhn_valid, normalise_iban

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: \d also matches other scripts' digits
_UUID = re.compile(r"[0-9a-fA-F-]{36}")
NOT_FOUND = "The specified value does not exist in the system."
_SINGLE_USE_TOKEN = re.compile(r"SC[0-9A-Za-z]{14}")


@dataclass(frozen=True)
class CardBody:
    card_num: str | None  # digits only; None when a single-use token is given
    single_use_token: str | None
    cvv: str | None
    card_expiry: CardExpiry | None
    card_type: str | None
    card_category: str | None
    default_card_indicator: bool | None  # None: not sent (a PUT then keeps the current default)
    billing_address_id: uuid.UUID | None
    billing_address: AddressBody | None
    personal: CardPersonal

    def for_token_service(self, include_cvv: bool = False) -> dict[str, Any]:
        instrument: dict[str, Any] = {"cardNum": self.card_num}
        if self.card_expiry is not None:
            instrument["cardExpiry"] = {
                "month": self.card_expiry.month,
                "year": self.card_expiry.year,
            }
        if self.personal.holder_name:
            instrument["holderName"] = self.personal.holder_name
        if include_cvv and self.cvv:
            instrument["cvv"] = self.cvv
        return instrument


def _expiry(c: Checker) -> CardExpiry | None:
    month = c.read(Integer("month", 1, 12, required=True))
    year = c.read(Integer("year", 1000, 9999, required=True))
    return None if month is None or year is None else CardExpiry(month=month, year=year)


def _card_number(c: Checker) -> str | None:
    raw = c.raw("cardNum")
    if raw is None or raw == "":
        c.fail("cardNum", "may not be empty")
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        c.fail("cardNum", "must be a string")
        return None
    digits = "".join(raw.split())
    if not _DIGITS.fullmatch(digits):
        c.fail("cardNum", "must contain only digits")
        return None
    if not 12 <= len(digits) <= 20:
        c.fail("cardNum", "size must be between 12 and 20")
    if not luhn_valid(digits):
        c.fail("cardNum", "Luhn checksum failed")
    return digits


def _address_id(c: Checker, name: str, required: bool = False) -> uuid.UUID | None:
    raw = c.read(Text(name, 36, required=required, pattern=_UUID, pattern_error=NOT_FOUND))
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        c.fail(name, NOT_FOUND)
        return None


def parse_card(data: object, *, creating: bool, field_prefix: str = "") -> CardBody:
    c = Checker(data, prefix=field_prefix)
    sut = (
        c.read(
            Text(
                "singleUseToken", 16, min_len=16, pattern=_SINGLE_USE_TOKEN, pattern_error=NOT_FOUND
            )
        )
        if creating
        else None
    )
    card_num = cvv = None
    expiry = None
    if sut is None:
        if creating:
            card_num = _card_number(c)
        # Nothing is required on a PUT (spec §3.3.3): an expiry left out is kept.
        expiry = c.nested("cardExpiry", _expiry, required=creating)
        if creating:
            cvv = c.read(
                Text(
                    "cvv",
                    4,
                    min_len=3,
                    pattern=re.compile(r"[0-9]{3,4}"),
                    pattern_error="must be 3 or 4 digits",
                )
            )
    personal = CardPersonal(
        holder_name=c.read(Text("holderName", 160)),
        nick_name=c.read(Text("nickName", 50)),
        merchant_ref_num=c.read(Text("merchantRefNum", 255)),
    )
    default = (
        c.read(Flag("defaultCardIndicator")) if c.raw("defaultCardIndicator") is not None else None
    )
    billing_address_id = _address_id(c, "billingAddressId")
    billing_address = c.nested("billingAddress", _billing_address) if creating else None
    if billing_address is not None and billing_address_id is not None:
        c.fail("billingAddress", "give billingAddress or billingAddressId, not both")
    brand = card_brand(card_num) if card_num and not c.errors else None
    if c.errors:
        raise invalid(c.errors)
    return CardBody(
        card_num=card_num,
        single_use_token=sut,
        cvv=cvv,
        card_expiry=expiry,
        card_type=brand[0] if brand else None,
        card_category=brand[1] if brand else None,
        default_card_indicator=default,
        billing_address_id=billing_address_id,
        billing_address=billing_address,
        personal=personal,
    )


def _billing_address(c: Checker) -> AddressBody | None:
    return address_body(c, ADDRESS_RULES)


# --- bank accounts ---------------------------------------------------------------------------------

BANK_KINDS = ("ach", "eft", "bacs", "sepa")
ACCOUNT_TYPES = ("CHECKING", "LOAN", "SAVINGS")


def _digits(name: str, low: int, high: int, required: bool = True) -> Text:
    size = f"{low}" if low == high else f"{low} to {high}"
    return Text(
        name,
        high,
        required=required,
        min_len=low,
        pattern=re.compile(rf"[0-9]{{{low},{high}}}"),
        pattern_error=f"must be {size} digits",
    )


# Per kind: (number rules, holder name max length, extra rules). Formats from the SDKs (spec §3.4).
_BANK_RULES: dict[str, tuple[tuple[Text | Choice, ...], int]] = {
    "ach": (
        (
            _digits("accountNumber", 4, 17),
            _digits("routingNumber", 9, 9),
            Choice("accountType", ACCOUNT_TYPES, required=True),
        ),
        22,
    ),
    "eft": (
        (
            _digits("accountNumber", 7, 12),
            _digits("transitNumber", 5, 5),
            _digits("institutionId", 3, 3),
        ),
        30,
    ),
    "bacs": ((_digits("accountNumber", 8, 8), _digits("sortCode", 6, 6)), 18),
    "sepa": (
        (
            Text("iban", 42, required=True),
            Text(
                "bic",
                11,
                min_len=8,
                pattern=re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?"),
                pattern_error="not a valid BIC",
            ),
        ),
        70,
    ),
}
_NUMBER_FIELDS = {"accountNumber", "iban"}


@dataclass(frozen=True)
class BankAccountBody:
    kind: str
    instrument: dict[str, Any]  # for the token service: number, codes, holder
    account_type: str | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal


def parse_bank_account(kind: str, data: object, *, updating: bool = False) -> BankAccountBody:
    c = Checker(data)
    rules, holder_max = _BANK_RULES[kind]
    if updating:  # the number may be repeated but need not be (SDK-php leaves it out)
        rules = tuple(replace(r, required=False) if r.name in _NUMBER_FIELDS else r for r in rules)
    values = c.read_all(rules)
    holder = c.read(Text("accountHolderName", holder_max, required=True))
    if kind == "sepa" and values.get("iban") is not None:
        values["iban"] = normalise_iban(values["iban"])
        if not iban_valid(values["iban"]):
            c.fail("iban", "not a valid IBAN")
    billing_address_id = _address_id(c, "billingAddressId", required=True)
    nick_name = c.read(Text("nickName", 50))
    merchant_ref_num = c.read(Text("merchantRefNum", 255))
    if c.errors:
        raise invalid(c.errors)
    codes = {k: v for k, v in values.items() if k not in _NUMBER_FIELDS and k != "accountType"}
    return BankAccountBody(
        kind=kind,
        instrument={
            **{k: v for k, v in values.items() if v is not None},
            "accountHolderName": holder,
        },
        account_type=values.get("accountType"),
        billing_address_id=billing_address_id,
        personal=BankAccountPersonal(
            account_holder_name=holder,
            nick_name=nick_name,
            merchant_ref_num=merchant_ref_num,
            routing_number=codes.get("routingNumber"),
            transit_number=codes.get("transitNumber"),
            institution_id=codes.get("institutionId"),
            sort_code=codes.get("sortCode"),
            bic=codes.get("bic"),
        ),
    )


# --- mandates --------------------------------------------------------------------------------------

# Reference rules copied from Paysafe's docs (spec §3.5).
_REFERENCE = {
    "sepa": (35, re.compile(r"[A-Z0-9 (),\-./?]+")),
    "bacs": (10, re.compile(r"[A-Z0-9][A-Z0-9 .&/\-]*")),
}
MANDATE_STATUSES = (
    "INITIAL",
    "PENDING",
    "DECLINED",
    "BATCHED",
    "ACTIVE",
    "CANCELLED",
    "REJECTED",
    "DISPUTED",
    "INACTIVE",
)


def parse_mandate(kind: str, data: object) -> str:
    c = Checker(data)
    max_len, pattern = _REFERENCE[kind]
    reference = c.read(
        Text(
            "reference",
            max_len,
            required=True,
            pattern=pattern,
            pattern_error="contains characters the scheme does not allow",
        )
    )
    if c.errors or reference is None:
        raise invalid(c.errors)
    return str(reference)


def parse_mandate_status(data: object) -> str:
    c = Checker(data)
    status = c.read(Choice("status", MANDATE_STATUSES, required=True))
    if c.errors or status is None:
        raise invalid(c.errors)
    return str(status)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def unknown_single_use_token(field: str) -> Exception:
    return invalid([FieldError(field, NOT_FOUND)])
