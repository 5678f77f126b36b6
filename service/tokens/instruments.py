"""Instrument bodies: shape checks, normalization, display fields and fingerprint material.

The vault validates formats (Luhn, IBAN checksum, lengths) before calling; this module refuses what
is obviously malformed (missing or unknown keys, non-digit numbers) so that garbage never gets a
token. Error texts name the field, never its value.
"""

from __future__ import annotations

import re
from typing import Any

from service.tokens.errors import FieldError, InvalidInstrument

KINDS = ("card", "ach", "eft", "bacs", "sepa", "mandate")
BANK_KINDS = ("ach", "eft", "bacs", "sepa")
ACCOUNT_TYPES = ("CHECKING", "SAVINGS", "LOAN")
Instrument = dict[str, Any]

_DIGITS = re.compile(r"[0-9]+")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_MAX_TEXT = 255
_NAME = re.compile(r"[A-Za-z_]{1,64}")
_ADDRESS_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")

# Fields that identify the instrument: they cannot change on update.
IDENTITY: dict[str, tuple[str, ...]] = {
    "card": ("cardNum",),
    "ach": ("accountNumber", "routingNumber"),
    "eft": ("accountNumber", "transitNumber", "institutionId"),
    "bacs": ("accountNumber", "sortCode"),
    "sepa": ("iban",),
    "mandate": ("reference", "bankAccountToken"),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "card": ("cardNum", "cardExpiry"),
    "ach": ("accountNumber", "routingNumber", "accountHolderName", "accountType"),
    "eft": ("accountNumber", "transitNumber", "institutionId", "accountHolderName"),
    "bacs": ("accountNumber", "sortCode", "accountHolderName"),
    "sepa": ("iban", "accountHolderName"),
    "mandate": ("reference", "bankAccountToken"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "card": ("holderName", "cvv", "billingAddress"),
    "ach": (),
    "eft": (),
    "bacs": (),
    "sepa": ("bic",),
    "mandate": (),
}
# On update, these are kept when the body leaves them out (they are required on create);
# the other replaceable fields are cleared when left out, as Paysafe's PUT does.
_KEPT_WHEN_ABSENT = ("cardExpiry", "accountHolderName", "accountType")
# Account-number lengths per kind where the scheme fixes them; other kinds take 4-34 digits.
# EFT: 5-12, as the official SDKs' samples send 6 digits (issue 12 part 5).
_ACCOUNT_DIGITS: dict[str, tuple[int, int]] = {"eft": (5, 12)}


def _name(key: str) -> str:
    """A field name the caller sent, quoted only when it is a plain name: a number (a card number
    sent as a key) or control characters never come back in an error."""
    return key if _NAME.fullmatch(key) else "?"


def _digits(value: Any, field: str, errors: list[FieldError], lo: int, hi: int) -> str:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        errors.append(FieldError(field, "must be a string of digits"))
        return ""
    if not lo <= len(value) <= hi:
        errors.append(FieldError(field, f"size must be between {lo} and {hi}"))
    return value


def _text(value: Any, field: str, errors: list[FieldError], hi: int = _MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError(field, "must be a non-empty string"))
        return ""
    if len(value) > hi:
        errors.append(FieldError(field, f"size must be between 1 and {hi}"))
    return value


def _int_in(value: Any, field: str, errors: list[FieldError], lo: int, hi: int) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        errors.append(FieldError(field, f"must be an integer between {lo} and {hi}"))
        return 0
    return value


def _expiry(value: Any, field: str, errors: list[FieldError]) -> dict[str, int]:
    if not isinstance(value, dict) or set(value) - {"month", "year"}:
        errors.append(FieldError(field, "must be an object with month and year"))
        return {}
    return {
        "month": _int_in(value.get("month"), f"{field}.month", errors, 1, 12),
        "year": _int_in(value.get("year"), f"{field}.year", errors, 1000, 9999),
    }


def _address(value: Any, field: str, errors: list[FieldError]) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > 20:
        errors.append(FieldError(field, "must be an object of at most 20 string fields"))
        return {}
    out: dict[str, str] = {}
    for key, item in value.items():
        # Keys are names (street, city, zip …): a key of digits could be a card number smuggled
        # past the value checks into the sealed record, and never comes back in an error.
        if not _ADDRESS_KEY.fullmatch(key):
            errors.append(FieldError(f"{field}.?", "is not an address field name"))
        elif not isinstance(item, str) or len(item) > _MAX_TEXT:
            errors.append(FieldError(f"{field}.{key}", "must be a string of at most 255"))
        else:
            out[key] = item
    return out


def _field(kind: str, name: str, value: Any, path: str, errors: list[FieldError]) -> Any:
    f = f"{path}.{name}"
    match name:
        case "cardNum":
            return _digits(value, f, errors, 12, 20)
        case "cardExpiry":
            return _expiry(value, f, errors)
        case "cvv":
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value).zfill(3)
            return _digits(value, f, errors, 3, 4)
        case "billingAddress":
            return _address(value, f, errors)
        case "accountNumber":
            return _digits(value, f, errors, *_ACCOUNT_DIGITS.get(kind, (4, 34)))
        case "routingNumber" | "transitNumber" | "institutionId" | "sortCode":
            return _digits(value, f, errors, 3, 9)
        case "iban":
            iban = value.replace(" ", "").upper() if isinstance(value, str) else ""
            if not _IBAN.fullmatch(iban):
                errors.append(FieldError(f, "is not an IBAN"))
            return iban
        case "accountType":
            if value not in ACCOUNT_TYPES:
                errors.append(FieldError(f, f"must be one of {', '.join(ACCOUNT_TYPES)}"))
            return value
        case "reference":
            return _text(value, f, errors, 35)
        case "bankAccountToken":
            return _text(value, f, errors, 50)
        case "bic":
            return _text(value, f, errors, 11)
        case _:  # holderName, accountHolderName
            return _text(value, f, errors, 160)


def parse(
    kind: str, raw: Any, *, single_use: bool, path: str = "instrument", update: bool = False
) -> Instrument:
    """The normalized instrument, or InvalidInstrument listing every problem found.

    With ``update``, required fields may be left out (the stored ones are merged in by ``merge``).
    """
    errors: list[FieldError] = []
    if not isinstance(raw, dict):
        raise InvalidInstrument([FieldError(path, "must be an object")])
    allowed = _REQUIRED[kind] + _OPTIONAL[kind]
    for name in raw:
        if name not in allowed:
            errors.append(FieldError(f"{path}.{_name(name)}", "is not a field of this kind"))
    if not update:
        for name in _REQUIRED[kind]:
            if raw.get(name) is None:
                errors.append(FieldError(f"{path}.{name}", "may not be null"))
    if "cvv" in raw and not single_use:
        errors.append(FieldError(f"{path}.cvv", "is only accepted for single-use tokens"))
    out: Instrument = {}
    for name in allowed:
        if raw.get(name) is not None:
            out[name] = _field(kind, name, raw[name], path, errors)
    if errors:
        raise InvalidInstrument(errors)
    return out


def merge(kind: str, stored: Instrument, raw: Any) -> Instrument:
    """Apply an update body to a stored instrument: identity fields must not change."""
    update = parse(kind, raw, single_use=False, update=True)
    errors = [
        FieldError(f"instrument.{name}", "cannot be changed; tokenize the new number instead")
        for name in IDENTITY[kind]
        if name in update and update[name] != stored.get(name)
    ]
    if errors:
        raise InvalidInstrument(errors)
    merged = {name: stored[name] for name in IDENTITY[kind] if name in stored}
    for name in _REQUIRED[kind] + _OPTIONAL[kind]:
        if name in update:
            merged.setdefault(name, update[name])
        elif name in _KEPT_WHEN_ABSENT and name in stored:
            merged[name] = stored[name]
    return merged


def fingerprint_material(kind: str, data: Instrument) -> bytes | None:
    """What a fingerprint is computed from: the normalized number, qualified for bank kinds."""
    match kind:
        case "card":
            return str(data["cardNum"]).encode()
        case "ach":
            return f"ach|{data['routingNumber']}|{data['accountNumber']}".encode()
        case "eft":
            parts = (data["institutionId"], data["transitNumber"], data["accountNumber"])
            return ("eft|" + "|".join(parts)).encode()
        case "bacs":
            return f"bacs|{data['sortCode']}|{data['accountNumber']}".encode()
        case "sepa":
            return str(data["iban"]).encode()
        case _:
            return None


# At least this many digits stay hidden whatever the number's length: PCI DSS allows first six and
# last four for a 16-digit card, but on a 12-digit one those would leave two digits to guess (one
# fixed by Luhn). Short numbers show fewer digits instead.
MIN_HIDDEN_DIGITS = 6
MIN_HIDDEN_BANK_DIGITS = 3


def display(kind: str, data: Instrument) -> tuple[str | None, str | None]:
    """BIN and last digits, never revealing more than ``len - MIN_HIDDEN_DIGITS`` digits."""
    if kind == "card":
        number = str(data["cardNum"])
        shown = len(number) - MIN_HIDDEN_DIGITS
        last = min(4, max(0, shown))
        return number[: min(6, max(0, shown - last))], number[-last:] if last else ""
    if kind == "sepa":
        return None, str(data["iban"])[-4:]
    if kind in BANK_KINDS:
        # Account numbers are not guessable the way a Luhn-checked card is, but a short one
        # (ACH allows 4 digits) must still never be shown whole.
        number = str(data["accountNumber"])
        last = min(4, max(0, len(number) - MIN_HIDDEN_BANK_DIGITS))
        return None, number[-last:] if last else ""
    return None, None


def bank_account_view(data: Instrument) -> Instrument:
    return {k: v for k, v in data.items() if k != "cvv"}


def card_view(data: Instrument) -> Instrument:
    card: Instrument = {"cardNum": data["cardNum"], "cardExpiry": data["cardExpiry"]}
    if "holderName" in data:
        card["holderName"] = data["holderName"]
    return card
