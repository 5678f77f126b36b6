"""Schemathesis hooks for the vault API's fuzz run (loaded through SCHEMATHESIS_HOOKS): the
Paysafe-JSON check of the token service's run, and a record of every card and bank number the
run sends (``VAULT_FUZZ_NUMBERS``, one per line) for the scan that follows it."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import schemathesis

from tests.integration.tokens.fuzz.hooks import error_body_is_paysafe_json

NUMBER_FIELDS = frozenset({"cardNum", "accountNumber", "iban"})
# Shorter values are too likely to occur anywhere by chance (ids, counters, timestamps).
SCANNABLE = re.compile(r"[0-9A-Za-z]{10,}")


def strings_in(value: Any) -> Iterator[tuple[bool, str]]:
    """(is a card or bank number field, value) for every scannable string anywhere in ``value``,
    spaces removed."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                compact = re.sub(r"\s", "", item)
                if SCANNABLE.fullmatch(compact) and any(ch.isdigit() for ch in compact):
                    yield key in NUMBER_FIELDS, compact
            else:
                yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    """Records ``N value`` for a number field's value, ``T value`` for any other field's (the
    fuzzer sends the same strings in other fields, where they may be stored as they are)."""
    # A generated Idempotency-Key is short and repeats across different requests, which the API
    # answers 422 by design (tests/e2e/test_idempotency_api.py covers it): each call gets its own.
    headers = case.headers or {}
    if "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4()}"
        case.headers = headers
    path = os.environ.get("VAULT_FUZZ_NUMBERS")
    found = [f"{'N' if number else 'T'} {text}\n" for number, text in strings_in(case.body)]
    if path and found:
        with open(path, "a", encoding="utf-8") as out:
            out.write("".join(found))


__all__ = ["error_body_is_paysafe_json"]
