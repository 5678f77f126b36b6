"""Payment-number rules: Luhn, card brand from BIN ranges, IBAN mod-97.

Pure functions on digits; the only code in the vault API that looks at a full number, before it
is handed to the token service and forgotten.
"""

from __future__ import annotations

import string

# (brand, category, prefixes). Longest prefix wins, so Visa Electron ranges beat plain Visa.
# Categories come from the network when it only issues one kind; without an issuer BIN table the
# vault cannot tell a Visa debit from a Visa credit card, so Visa and Mastercard report CREDIT as
# Paysafe's test BINs do.
_BIN_RANGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("VE", "DEBIT", ("4026", "417500", "4405", "4508", "4844", "4913", "4917")),
    ("VI", "CREDIT", ("4",)),
    ("AM", "CREDIT", ("34", "37")),
    ("DC", "CREDIT", ("300", "301", "302", "303", "304", "305", "3095", "36", "38", "39")),
    ("JC", "CREDIT", tuple(str(p) for p in range(3528, 3590))),
    (
        "DI",
        "CREDIT",
        (
            "6011",
            "644",
            "645",
            "646",
            "647",
            "648",
            "649",
            "65",
            *(str(p) for p in range(622126, 622926)),
        ),
    ),
    ("MC", "CREDIT", ("51", "52", "53", "54", "55", *(str(p) for p in range(2221, 2721)))),
    ("MD", "DEBIT", ("50", "56", "57", "58", "6304", "6759", "6761", "6762", "6763", "67")),
    ("SO", "DEBIT", ("6334", "6767")),
)
# Prefix → brand, looked up from the longest prefix length down: at most six dict look-ups instead
# of a scan of some 1,400 prefixes per card.
_BY_PREFIX = {
    prefix: (brand, category) for brand, category, prefixes in _BIN_RANGES for prefix in prefixes
}
_PREFIX_LENGTHS = sorted({len(p) for p in _BY_PREFIX}, reverse=True)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> tuple[str, str] | None:
    """(cardType, cardCategory) of a card number, or None when no known network issues it."""
    for length in _PREFIX_LENGTHS:
        found = _BY_PREFIX.get(digits[:length])
        if found is not None:
            return found
    return None


def normalise_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


def iban_valid(iban: str) -> bool:
    """ISO 13616: two letters, two check digits, up to 30 alphanumerics; mod 97 == 1."""
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    if not all(ch in string.ascii_uppercase + string.digits for ch in iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
