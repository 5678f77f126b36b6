"""Values PostgreSQL cannot store, refused at the one place requests are decoded.

PostgreSQL's ``text`` and ``jsonb`` refuse the NUL character, UTF-8 cannot carry a lone surrogate,
and asyncpg cannot send an instant whose UTC value falls outside Python's years 1 to 9999
(``9999-12-31T23:59:59-14:00`` is year 10000 in UTC). Let through, each is a DataError or an
OverflowError deep in a statement: a 500, after part of the work may have run. Checking field by
field missed one field after another, so both services refuse them where a body, a parameter or a
header is decoded (``check_parameters``, ``refusal_in``, ``unstorable_instant``), with a 400 5068
that names the field's path and never quotes the value.

Control characters (Unicode category Cc: C0, DEL, C1) are refused with them: no field of either
API is multi-line text, and a control character in a stored name or a log line is a terminal or
log injection waiting for a reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

import msgspec

# A lone surrogate comes from undecodable bytes (aiohttp decodes headers and the query with
# surrogateescape); a pair never reaches Python as two code points, so any surrogate is lone.
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# A header value may hold a horizontal tab (RFC 9110, 5.5); nothing else of those.
_UNSTORABLE_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
# What a JSON text must contain for a decoded string to hold one of those: an escape of a control
# character or a surrogate (raw ones are malformed JSON), or a raw DEL or C1 character. Bodies
# without any are the common case and skip the walk; a false match (an escaped backslash before
# "u0000") only costs the walk.
_SUSPECT_JSON = re.compile(
    rb"\\(?:[bfnrt]|u(?:00[01]|007[fF]|00[89]|[dD][89a-fA-F]))|\x7f|\xc2[\x80-\x9f]"
)
MESSAGE = "must not contain NUL, control characters or unpaired surrogates"
INSTANT_MESSAGE = "must be an instant from year 1 to 9999 in UTC"
UTC = dt.UTC


def storable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is None


def may_hold_unstorable(body: bytes) -> bool:
    """False when the JSON text ``body`` cannot decode to a string :func:`refusal_in` refuses."""
    return _SUSPECT_JSON.search(body) is not None


def refusal_in(value: Any, path: str = "") -> str | None:
    """The path (``billingAddress.street``, ``cards[2].holderName``; a key's own path when the key
    is the bad string) of the first string in a decoded JSON value that cannot be stored, or None."""
    if isinstance(value, str):
        return None if storable_text(value) else (path or "body")
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not storable_text(key):
                return path or "body"
            found = refusal_in(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = refusal_in(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def storable_instant(moment: dt.datetime) -> bool:
    """An aware instant asyncpg can send: its UTC value lies within years 1 to 9999."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def parse_instant(text: str) -> dt.datetime | None:
    """An RFC 3339 date-time parameter with its offset, storable; None when it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or not storable_instant(moment):
        return None
    return moment


@cache
def _holds_instants(kind: Any) -> bool:
    """Whether a decoded ``kind`` can hold a datetime anywhere: most bodies cannot, and skip the
    walk of :func:`unstorable_instant`."""
    return _info_holds_instants(msgspec.inspect.type_info(kind), set())


def _info_holds_instants(info: msgspec.inspect.Type, seen: set[int]) -> bool:
    if isinstance(info, msgspec.inspect.DateTimeType):
        return True
    if id(info) in seen:
        return False
    seen.add(id(info))
    if isinstance(info, msgspec.inspect.StructType | msgspec.inspect.DataclassType):
        return any(_info_holds_instants(f.type, seen) for f in info.fields)
    for name in ("types", "item_type", "key_type", "value_type"):
        inner = getattr(info, name, None)
        if isinstance(inner, tuple) and any(_info_holds_instants(t, seen) for t in inner):
            return True
        if isinstance(inner, msgspec.inspect.Type) and _info_holds_instants(inner, seen):
            return True
    return False


def unstorable_instant(value: Any, kind: Any) -> str | None:
    """The wire path of the first datetime in a decoded ``value`` (of type ``kind``) that asyncpg
    cannot send, or None."""
    if not _holds_instants(kind):
        return None
    return _instant_in(value, "")


def _instant_in(value: Any, path: str) -> str | None:
    if isinstance(value, dt.datetime):
        return None if storable_instant(value) else (path or "body")
    if isinstance(value, msgspec.Struct):
        names = value.__struct_encode_fields__
        for name, wire in zip(value.__struct_fields__, names, strict=True):
            found = _instant_in(getattr(value, name), f"{path}.{wire}" if path else wire)
            if found is not None:
                return found
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found = _instant_in(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _instant_in(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _undecodable_parameter(raw_query: str) -> str | None:
    """The name of the first parameter of a raw query string whose percent-escapes are not UTF-8
    (the parsed query has replaced them with U+FFFD already, so only the raw text can tell)."""
    for pair in raw_query.split("&"):
        name, _, value = pair.partition("=")
        try:
            unquote_to_bytes(value.replace("+", " ")).decode()
            unquote_to_bytes(name.replace("+", " ")).decode()
        except UnicodeDecodeError:
            decoded = unquote(name, errors="replace")
            return decoded if storable_text(decoded) and decoded.isprintable() else "query"
    return None


def refused_parameter(
    query: Mapping[str, str],
    path: Mapping[str, str],
    headers: Mapping[str, str],
    raw_query: str = "",
) -> str | None:
    """The name of the first query parameter, path parameter or header (as ``header
    Idempotency-Key``) whose name or value cannot be stored, or None. Path parameters are
    percent-decoded by then, so ``%00`` in a URL is a NUL here; ``raw_query`` (the query string as
    sent) shows percent-escapes that are not UTF-8."""
    if "%" in raw_query:
        undecodable = _undecodable_parameter(raw_query)
        if undecodable is not None:
            return undecodable
    for key, value in query.items():
        if not (storable_text(key) and storable_text(value)):
            return key if storable_text(key) else "query"
    for key, value in path.items():
        if not storable_text(value):
            return key
    for key, value in headers.items():
        if _UNSTORABLE_HEADER.search(value) is not None:
            return f"header {key}"
    return None
