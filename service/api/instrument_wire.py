"""Request bodies of bank accounts and mandates: their rules, which parse them and state their
schemas (cards and single-use tokens: ``card_wire``, re-exported here).

Parsing splits each body into what goes to the token service (the number and codes) and what the
aggregate keeps. Field errors name the rule, never the rejected value.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from events.types import BankAccountPersonal
from service.api.card_wire import CardBody, parse_card
from service.api.errors import FieldError, invalid
from service.api.validation import Body, Checker, Choice, Text
from service.api.wire import (
    BILLING_ADDRESS_ID,
    MERCHANT_REF_NUM,
    NICK_NAME,
    NOT_FOUND,
    address_id,
)
from service.domain.numbers import iban_valid, normalise_iban

__all__ = ["NOT_FOUND", "CardBody", "parse_card"]  # the card parts the handlers import from here


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
        about=f"{size.replace(' to ', '-')} digits.",
    )


# Per kind: (number rules, holder name max length, extra rules). Formats from the SDKs (docs/api.md, "Bank account fields").
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
            _digits("accountNumber", 5, 12),
            _digits("transitNumber", 5, 5),
            _digits("institutionId", 3, 3),
        ),
        30,
    ),
    "bacs": ((_digits("accountNumber", 8, 8), _digits("sortCode", 6, 6)), 18),
    "sepa": (
        (
            Text(
                "iban",
                42,
                required=True,
                about="White space is removed and letters upper-cased; then 15-34 letters and "
                "digits passing the ISO 13616 mod-97 check.",
            ),
            Text(
                "bic",
                11,
                min_len=8,
                pattern=re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?"),
                pattern_error="not a valid BIC",
                about="8 or 11 characters.",
            ),
        ),
        70,
    ),
}
_NUMBER_FIELDS = {"accountNumber", "iban"}
_BANK_NOTE = """

The full number goes to the token service and is never returned; ``lastDigits`` holds its last
two digits. PUT is a full replacement with the same required fields, except that the number may
be left out; it cannot change (5068 on it when a different one is sent). Unknown and read-only
keys are ignored."""
BANK_ACCOUNTS = {
    kind: Body(
        f"{kind.capitalize()}BankAccountRequest",
        (
            *numbers,
            Text("accountHolderName", holder_max, required=True),
            replace(BILLING_ADDRESS_ID, required=True),
            NICK_NAME,
            MERCHANT_REF_NUM,
        ),
        f"The body of POST and PUT .../{kind}bankaccounts[/{{bankAccountId}}].{_BANK_NOTE}",
    )
    for kind, (numbers, holder_max) in _BANK_RULES.items()
}


@dataclass(frozen=True)
class BankAccountBody:
    kind: str
    instrument: dict[str, Any]  # for the token service: number, codes, holder
    account_type: str | None
    billing_address_id: uuid.UUID | None
    personal: BankAccountPersonal


def parse_bank_account(kind: str, data: object, *, updating: bool = False) -> BankAccountBody:
    c = Checker(data)
    rules = _BANK_RULES[kind][0]
    if updating:  # the number may be repeated but need not be (SDK-php leaves it out)
        rules = tuple(replace(r, required=False) if r.name in _NUMBER_FIELDS else r for r in rules)
    values = c.read_all(rules)
    holder = c.read(BANK_ACCOUNTS[kind]["accountHolderName"])
    if kind == "sepa" and values.get("iban") is not None:
        values["iban"] = normalise_iban(values["iban"])
        if not iban_valid(values["iban"]):
            c.fail("iban", "not a valid IBAN")
    billing_address_id = address_id(c, replace(BILLING_ADDRESS_ID, required=True))
    nick_name = c.read(NICK_NAME)
    merchant_ref_num = c.read(MERCHANT_REF_NUM)
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


def _reference(kind: str, max_len: int, pattern: str, about: str, note: str) -> Body:
    rule = Text(
        "reference",
        max_len,
        required=True,
        pattern=re.compile(pattern),
        pattern_error="contains characters the scheme does not allow",
        about=about,
    )
    title = f"{kind.capitalize()}MandateRequest"
    return Body(
        title,
        (rule,),
        f"The body of POST .../{kind}bankaccounts/{{bankAccountId}}/mandates. {note}",
    )


# Reference rules copied from Paysafe's docs (docs/api.md, "Mandates").
MANDATES = {
    "sepa": _reference(
        "sepa",
        35,
        r"[A-Z0-9 (),\-./?]+",
        "Upper-case letters, digits, space and (),-./?",
        "Other keys are ignored.",
    ),
    "bacs": _reference(
        "bacs",
        10,
        r"[A-Z0-9][A-Z0-9 .&/\-]*",
        "Upper-case letters, digits, space and .&/-, starting with a letter or digit.",
        "Other keys (Ruby's ``bankAccountId``) are ignored.",
    ),
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
MANDATE_STATUS = Body(
    "MandateStatusRequest",
    (Choice("status", MANDATE_STATUSES, required=True),),
    """The body of PUT /profiles/{profileId}/mandates/{mandateId}: the new status, any of the
    enumeration. DECLINED, CANCELLED, REJECTED, DISPUTED and INACTIVE make the mandate's payment
    token stop resolving; the other statuses make it resolve again.""",
)


def parse_mandate(kind: str, data: object) -> str:
    c = Checker(data)
    reference = c.read(MANDATES[kind]["reference"])
    if c.errors or reference is None:
        raise invalid(c.errors)
    return str(reference)


def parse_mandate_status(data: object) -> str:
    c = Checker(data)
    status = c.read(MANDATE_STATUS["status"])
    if c.errors or status is None:
        raise invalid(c.errors)
    return str(status)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def unknown_single_use_token(field: str) -> Exception:
    return invalid([FieldError(field, NOT_FOUND)])
