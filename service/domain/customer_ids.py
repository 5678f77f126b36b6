"""The merchant's own customer id (``merchantCustomerId``), normalized before it is stored, made
unique or looked up, so that ids a person reads as equal are equal.

Normalization: fullwidth and halfwidth forms (U+FF00 to U+FFEF) mapped to their ordinary characters,
then Unicode NFC, then white space trimmed at both ends. An id that then holds a control character
(tab, newline, NUL…), a format character (zero-width space and joiners, bidi controls, the BOM) or
another invisible filler, or that is empty, is refused: such characters make ids that look the same
but are not, and none belongs in an id a merchant types or prints.
"""

from __future__ import annotations

import unicodedata

REFUSED = "must not be empty or contain control or invisible characters"
_WIDTH_FORMS = range(0xFF00, 0xFFEF + 1)
# Blank-looking letters and symbols that are neither Cc nor Cf.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")


def _narrow(char: str) -> str:
    return unicodedata.normalize("NFKC", char) if ord(char) in _WIDTH_FORMS else char


def _visible(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn") and (
        char not in _INVISIBLE
    )


def normalize_customer_id(raw: str) -> str | None:
    """The id as stored and compared; None when it is not acceptable (``REFUSED``)."""
    narrowed = "".join(_narrow(char) for char in raw)
    normalized = unicodedata.normalize("NFC", narrowed).strip()
    if not normalized or not all(_visible(char) for char in normalized):
        return None
    return normalized
