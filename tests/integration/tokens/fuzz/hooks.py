"""Schemathesis hooks for the token-service fuzz run (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import schemathesis


@schemathesis.check
def error_body_is_paysafe_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer is a Paysafe JSON error, with its code in X-Application-Status-Code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), f"error answered as {content_type}"
    body = json.loads(response.content)
    assert set(body["error"]) >= {"code", "message"}, body
    code = response.headers.get("x-application-status-code", [""])
    assert (code[0] if isinstance(code, list) else code) == body["error"]["code"]
    return True


# The fuzz client is bound to this run's merchants (TOKENS_FUZZ_MERCHANTS): every well-formed
# merchantId becomes one of them, so the run reaches the records instead of the binding refusal,
# and each run works on merchants of its own (the database is shared between runs).
MERCHANTS = [m for m in os.environ.get("TOKENS_FUZZ_MERCHANTS", "").split(",") if m]


def _bound(value: Any) -> Any:
    if not MERCHANTS or not isinstance(value, str):
        return value
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return value
    return MERCHANTS[parsed.int % len(MERCHANTS)]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    if isinstance(case.body, dict) and "merchantId" in case.body:
        case.body["merchantId"] = _bound(case.body["merchantId"])
    if isinstance(case.query, dict) and "merchantId" in case.query:
        case.query["merchantId"] = _bound(case.query["merchantId"])
