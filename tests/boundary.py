"""Requests generated from an OpenAPI document that carry values PostgreSQL cannot store.

For every operation of the document, every parameter (path, query, header) and every string field
of the JSON body (nested objects and array items included) gets each hostile value below; every
date-time field gets the extremes of its range in both offsets, whose UTC value lies outside what
asyncpg can send. Nothing here names a route or a field: a new one is covered as soon as the
document has it. The tests (tests/security/test_unstorable_values.py and
tests/integration/tokens/test_unstorable_values.py) send each case over a raw socket, so the
bytes are exactly these, and check the answer with :func:`refusal_problems`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# name → (text for a JSON body as raw JSON string bytes, text for a URL, text for a header),
# None where that place cannot carry it at all (an HTTP parser refuses a NUL in a header line).
HOSTILE: dict[str, tuple[bytes, str, bytes | None]] = {
    "nul": (b'"a\\u0000b"', "a%00b", None),
    "lone-surrogate": (b'"a\\ud800b"', "a%ED%A0%80b", b"a\xed\xa0\x80b"),
    "invalid-utf8": (b'"a\xff\xfeb"', "a%FF%FEb", b"a\xff\xfeb"),
    "control": (b'"a\\u001bb"', "a%1Bb", b"a\x1bb"),
}
# Refused by the one boundary (infra.storable), which names the field: a JSON escape of a
# surrogate or invalid UTF-8 is not JSON text at all and is refused by the decoder before it
# (5023), the same way for every field.
NAMED = {"nul", "control"}
INSTANTS = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")
OVER_LONG_WITHOUT_LIMIT = 70_000  # above both services' 64 KiB body limit: 413 at worst


@dataclass(frozen=True)
class Case:
    method: str
    template: str  # the document's path
    where: str  # "path", "query", "header" or "body"
    field: str  # parameter name or the body field's path (cards[0].holderName)
    kind: str  # a key of HOSTILE, "over-long" or "instant"
    value: bytes  # raw JSON for a body field, URL text for path/query, raw bytes for a header

    @property
    def named(self) -> bool:
        """Whether the answer must name the field (the storable boundary's own refusals)."""
        if self.kind == "instant":
            return True
        return self.kind in NAMED and self.where != "header"

    def __str__(self) -> str:
        return f"{self.method} {self.template} {self.where} {self.field} {self.kind}"


class Document:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target: Any = self.doc
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def alternatives(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                found = [self.resolve(s) for s in schema[key]]
                return [s for s in found if s.get("type") != "null"] or found
        return [schema]

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for template, item in sorted(self.doc["paths"].items()):
            shared = item.get("parameters", [])
            for method, op in sorted(item.items()):
                if method.upper() not in {"GET", "POST", "PUT", "DELETE", "PATCH"}:
                    continue
                params = [self.resolve(p) for p in [*shared, *op.get("parameters", [])]]
                yield method.upper(), template, {**op, "parameters": params}

    def body_schema(self, op: dict[str, Any]) -> dict[str, Any] | None:
        content = self.resolve(op.get("requestBody", {})).get("content", {})
        json_body = content.get("application/json")
        return None if json_body is None else self.resolve(json_body.get("schema", {}))

    def strings(
        self, schema: dict[str, Any], path: str = "", depth: int = 0
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(path, schema) of every string field reachable in ``schema``."""
        if depth > 6:
            return
        for alt in self.alternatives(schema):
            kind = alt.get("type")
            if kind == "string" or (kind is None and "enum" in alt):
                yield path, alt
            elif kind == "object" or "properties" in alt:
                for name, sub in alt.get("properties", {}).items():
                    yield from self.strings(sub, f"{path}.{name}" if path else name, depth + 1)
            elif kind == "array" and "items" in alt:
                yield from self.strings(alt["items"], f"{path}[0]", depth + 1)

    def example(
        self, schema: dict[str, Any], values: Callable[[str, dict[str, Any]], Any], name: str = ""
    ) -> Any:
        """A plausible value of ``schema`` (the field ``name``'s): its required properties and
        every flag set (a set flag, such as a network update's ``closed``, is what lets a request
        of few fields through to the database), strings from ``values``."""
        alt = self.alternatives(schema)[0]
        if "example" in alt:
            return alt["example"]
        if "enum" in alt:
            return alt["enum"][0]
        kind = alt.get("type")
        if kind == "object" or "properties" in alt:
            return {
                key: self.example(sub, values, key)
                for key, sub in alt.get("properties", {}).items()
                if key in alt.get("required", [])
                or self.alternatives(sub)[0].get("type") == "boolean"
            }
        if kind == "array":
            return [self.example(alt["items"], values, name)] if alt.get("minItems") else []
        if kind == "integer" or kind == "number":
            return alt.get("minimum", 1)
        if kind == "boolean":
            return True
        return values(name, alt)


def plain_string(name: str, schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return dt.datetime.now(dt.UTC).isoformat()
    if fmt == "date":
        return dt.date.today().isoformat()
    if fmt == "email":
        return "someone@example.com"
    return "a" * max(1, int(schema.get("minLength", 1)))


def _set(body: Any, path: str, raw: bytes) -> bytes:
    """The JSON text of ``body`` with the field at ``path`` replaced by the raw JSON ``raw``
    (which may not be valid JSON: that is the point), creating the objects and arrays on the way."""
    marker = f"__field_{uuid.uuid4().hex}__"
    node = body
    steps = path.replace("[0]", ".[0]").split(".")
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        nxt: Any = [] if not last and steps[index + 1] == "[0]" else {}
        if step == "[0]":
            if not node:
                node.append(marker if last else nxt)
            elif last:
                node[0] = marker
            node = node[0]
        else:
            if last:
                node[step] = marker
            else:
                if not isinstance(node.get(step), dict | list):
                    node[step] = nxt
                node = node[step]
    return json.dumps(body).encode().replace(json.dumps(marker).encode(), raw)


def cases(doc: dict[str, Any]) -> Iterator[Case]:
    document = Document(doc)
    for method, template, op in document.operations():
        for param in op["parameters"]:
            where, name = param["in"], param["name"]
            if where not in ("path", "query", "header"):
                continue
            schema = document.alternatives(param.get("schema", {}))[0]
            for kind, (_, url_text, header_bytes) in HOSTILE.items():
                if where == "header":
                    if header_bytes is not None:
                        yield Case(method, template, where, name, kind, header_bytes)
                else:
                    yield Case(method, template, where, name, kind, url_text.encode())
            limit = schema.get("maxLength")
            if schema.get("type", "string") == "string" and limit is not None:
                yield Case(method, template, where, name, "over-long", b"a" * (limit + 1))
            if schema.get("format") == "date-time":
                for instant in INSTANTS:
                    text = quote(instant, safe="")
                    yield Case(method, template, where, name, "instant", text.encode())
        body = document.body_schema(op)
        if body is None:
            continue
        seen: set[str] = set()
        for path, schema in document.strings(body):
            # The alternatives of an anyOf (a card or one of the bank accounts) share some names.
            if not path or path in seen:
                continue
            seen.add(path)
            for kind, (raw, _, _) in HOSTILE.items():
                yield Case(method, template, "body", path, kind, raw)
            limit = schema.get("maxLength", OVER_LONG_WITHOUT_LIMIT - 1)
            yield Case(
                method, template, "body", path, "over-long", b'"' + b"a" * (limit + 1) + b'"'
            )
            if schema.get("format") == "date-time":
                for instant in INSTANTS:
                    yield Case(
                        method, template, "body", path, "instant", json.dumps(instant).encode()
                    )


@dataclass(frozen=True)
class Target:
    """Where and as whom the cases are sent, and the plain values of the other fields."""

    host: str
    credentials: Callable[[Case], str]  # the Authorization header's value for a case
    values: Callable[[str, dict[str, Any]], str] = plain_string


def request_bytes(doc: dict[str, Any], case: Case, target: Target) -> bytes:
    """The whole HTTP/1.1 request of ``case``: the other parameters and body fields plain."""
    document = Document(doc)
    op = next(o for m, t, o in document.operations() if (m, t) == (case.method, case.template))
    path = case.template
    query: list[str] = []
    headers: list[bytes] = []
    for param in op["parameters"]:
        where, name = param["in"], param["name"]
        schema = document.alternatives(param.get("schema", {}))[0]
        mine = where == case.where and name == case.field
        plain = quote(str(document.example(schema, target.values, name)), safe="")
        text = case.value.decode("latin-1") if mine else plain
        if where == "path":
            path = path.replace("{" + name + "}", text)
        elif where == "query" and (mine or param.get("required")):
            query.append(f"{quote(name, safe='')}={text}")
        elif where == "header" and mine:
            headers.append(name.encode() + b": " + case.value)
    target_url = path + ("?" + "&".join(query) if query else "")
    schema = document.body_schema(op)
    body = b""
    if schema is not None:
        base = document.example(schema, target.values)
        base = base if isinstance(base, dict) else {}
        body = (
            _set(base, case.field, case.value)
            if case.where == "body"
            else json.dumps(base).encode()
        )
    head = [
        f"{case.method} {target_url} HTTP/1.1".encode("latin-1"),
        f"Host: {target.host}".encode(),
        f"Authorization: {target.credentials(case)}".encode(),
        b"Connection: close",
        *headers,
    ]
    if schema is not None:
        head += [b"Content-Type: application/json", f"Content-Length: {len(body)}".encode()]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def refusal_problems(case: Case, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """What is wrong with the answer to ``case`` (empty: a 4xx Paysafe JSON error that names the
    field where the boundary itself refused it)."""
    problems: list[str] = []
    if not 400 <= status < 500:
        return [f"answered {status}: {body[:300]!r}"]
    try:
        error = json.loads(body)["error"]
        code, message = error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        return [f"{status} without a Paysafe JSON error: {body[:300]!r}"]
    if headers.get("x-application-status-code") != code or not message:
        problems.append(
            f"X-Application-Status-Code {headers.get('x-application-status-code')!r} != {code!r}"
        )
    if not headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content type {headers.get('content-type')!r}")
    if case.named and status == 400:
        named = {f["field"] for f in error.get("fieldErrors", [])}
        wanted = case.field if case.where != "header" else f"header {case.field}"
        if wanted not in named:
            problems.append(f"400 {code} does not name {wanted!r}: {sorted(named)}")
    elif case.named:
        problems.append(f"answered {status} {code}, not the boundary's 400 naming the field")
    return problems


async def row_counts(pool: Any) -> dict[str, int]:
    """Rows per table of the vault's and the token service's schemas."""
    tables = await pool.fetch(
        "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
        "WHERE table_schema IN ('vault', 'tokens') AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    return {t["name"]: await pool.fetchval(f"SELECT count(*) FROM {t['name']}") for t in tables}


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name, 0)}
