"""Schemathesis hooks for the vault API's fuzz run (loaded through SCHEMATHESIS_HOOKS): the
Paysafe-JSON check of the token service's run, and a record of every card and bank number the
run sends (``VAULT_FUZZ_NUMBERS``, one per line) for the scan that follows it."""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis

from tests.integration.tokens.fuzz.hooks import error_body_is_paysafe_json

NUMBER_FIELDS = frozenset({"cardNum", "accountNumber", "iban"})
# Shorter values are too likely to occur anywhere by chance (ids, counters, timestamps).
SCANNABLE = re.compile(r"[0-9A-Za-z]{10,}")


def numbers_in(value: Any) -> list[str]:
    """The values of card and bank number fields anywhere in ``value``, spaces removed."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in NUMBER_FIELDS and isinstance(item, str):
                compact = re.sub(r"\s", "", item)
                if SCANNABLE.fullmatch(compact) and any(ch.isdigit() for ch in compact):
                    found.append(compact)
            else:
                found.extend(numbers_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(numbers_in(item))
    return found


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    path = os.environ.get("VAULT_FUZZ_NUMBERS")
    numbers = numbers_in(case.body)
    if path and numbers:
        with open(path, "a", encoding="utf-8") as out:
            out.write("".join(f"{n}\n" for n in numbers))


__all__ = ["error_body_is_paysafe_json"]
