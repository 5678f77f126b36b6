"""Tolerant, Paysafe-style validation of request bodies.

Paysafe's back end coerces like Jackson does, and the official SDKs rely on it: numeric strings for
integers (``"12"``), ``"true"``/``"false"`` for booleans, numbers for strings (``accountNumber``).
Unknown and read-only keys are ignored. Every problem becomes one ``fieldErrors`` entry with a
dotted path and a Bean-Validation message, so a client sees all its mistakes at once. Messages
describe the rule, never the rejected value.

Each rule also states itself as JSON Schema (``schema()``), and a ``Body`` (a table of rules) as a
component schema: the OpenAPI document's request bodies are the tables that parse them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.api.errors import FieldError

EMPTY = "may not be empty"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


Schema = dict[str, Any]
SCHEMA_REF = "#/components/schemas/{name}"
_NO_NUL = "^[^\\u0000]*$"


def _documented(schema: Schema, about: str, extra: Mapping[str, Any]) -> Schema:
    if about:
        schema["description"] = about
    return {**schema, **extra}


def anchored(pattern: str) -> str:
    """A pattern the parser applies with ``fullmatch``, as JSON Schema's (searching) pattern."""
    if pattern.startswith("^"):
        return pattern
    return f"^(?:{pattern})$" if "|" in pattern else f"^{pattern}$"


@dataclass(frozen=True)
class Text:
    name: str
    max_len: int
    required: bool = False
    min_len: int = 1
    pattern: re.Pattern[str] | None = None
    pattern_error: str = "invalid format"
    about: str = ""  # the schema's description
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)  # format, examples

    def schema(self) -> Schema:
        # An optional text may be "" (it counts as absent): only a required one states min_len.
        schema: Schema = {"type": "string", "maxLength": self.max_len}
        if self.required:
            schema["minLength"] = self.min_len
        # NUL is refused (PostgreSQL text cannot hold it); the patterns already exclude it.
        schema["pattern"] = _NO_NUL if self.pattern is None else anchored(self.pattern.pattern)
        return _documented(schema, self.about, self.extra)


@dataclass(frozen=True)
class Choice:
    name: str
    values: tuple[str, ...]
    required: bool = False
    error: str = "invalid value"
    about: str = ""

    def schema(self) -> Schema:
        return _documented({"enum": sorted(self.values)}, self.about, {})


@dataclass(frozen=True)
class Flag:
    name: str
    default: bool | None = False  # None: absent stays None (a PUT keeps the current value)

    def schema(self) -> Schema:
        schema: Schema = {"type": "boolean"}
        if self.default is not None:
            schema["default"] = self.default
        return schema


@dataclass(frozen=True)
class Integer:
    name: str
    minimum: int
    maximum: int | Callable[[], int]  # a callable: a bound that moves (this year), described
    required: bool = False

    def schema(self) -> Schema:
        schema: Schema = {"type": "integer", "minimum": self.minimum}
        if isinstance(self.maximum, int):
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True)
class Custom:
    """A field read by its own function (e.g. a card number, with its Luhn check), and the
    schema that states what that function accepts."""

    name: str
    read_with: Callable[[Checker], Any]
    described: Mapping[str, Any] = field(hash=False)
    required: bool = False

    def schema(self) -> Schema:
        return dict(self.described)


@dataclass(frozen=True)
class Nested:
    """A JSON object inside the body. ``read`` None: the handler reads it apart (the ``card`` of
    a profile create, the ``card`` of a single-use-token request)."""

    name: str
    body: Body
    read: Callable[[Checker], Any] | None = None
    required: bool = False
    about: str = ""

    def schema(self) -> Schema:
        return _documented({"$ref": SCHEMA_REF.format(name=self.body.title)}, self.about, {})


Rule = Text | Choice | Flag | Integer | Custom | Nested


@dataclass(frozen=True)
class Body:
    """A request body's rules: what reads it, and its component schema ``title``."""

    title: str
    rules: tuple[Rule, ...]
    about: str = ""
    constraints: Mapping[str, Any] = field(default_factory=dict, hash=False)  # anyOf, not

    def __getitem__(self, name: str) -> Rule:
        return next(rule for rule in self.rules if rule.name == name)

    def schema(self) -> Schema:
        schema: Schema = {"title": self.title, "type": "object"}
        if self.about:
            schema["description"] = inspect.cleandoc(self.about)
        schema["properties"] = {rule.name: rule.schema() for rule in self.rules}
        schema["required"] = [r.name for r in self.rules if getattr(r, "required", False)]
        return {**schema, **self.constraints}

    def components(self) -> dict[str, Schema]:
        """This body's schema and those of the objects nested in it, by title."""
        found = {self.title: self.schema()}
        for rule in self.rules:
            if isinstance(rule, Nested):
                found.update(rule.body.components())
        return found


class Checker:
    """Collects field errors while reading one JSON object."""

    def __init__(self, data: object, prefix: str = "") -> None:
        self.errors: list[FieldError] = []
        self._prefix = prefix
        if not isinstance(data, dict):
            self.fail("", "must be a JSON object")
            data = {}
        self._data: dict[str, Any] = data

    def path(self, name: str) -> str:
        return f"{self._prefix}{name}" if name else self._prefix.rstrip(".") or "body"

    def fail(self, name: str, error: str) -> None:
        self.errors.append(FieldError(field=self.path(name), error=error))

    def raw(self, name: str) -> Any:
        return self._data.get(name)

    def read(self, rule: Rule) -> Any:
        value = self._data.get(rule.name)
        match rule:
            case Text():
                return self._text(rule, value)
            case Choice():
                return self._choice(rule, value)
            case Flag():
                return self._flag(rule, value)
            case Integer():
                return self._integer(rule, value)
            case Custom():
                return rule.read_with(self)
            case Nested():
                if rule.read is None:
                    return value
                return self.nested(rule.name, rule.read, rule.required)

    def read_all(self, rules: tuple[Rule, ...]) -> dict[str, Any]:
        return {rule.name: self.read(rule) for rule in rules}

    def nested(self, name: str, read: Callable[[Checker], Any], required: bool = False) -> Any:
        value = self._data.get(name)
        if value is None:
            if required:
                self.fail(name, EMPTY)
            return None
        if not isinstance(value, dict):
            self.fail(name, "must be a JSON object")
            return None
        child = Checker(value, prefix=f"{self.path(name)}.")
        result = read(child)
        self.errors.extend(child.errors)
        return result

    def _text(self, rule: Text, value: Any) -> str | None:
        if isinstance(value, bool | dict | list):
            self.fail(rule.name, "must be a string")
            return None
        if isinstance(value, int | float):
            value = str(value)
        if value is None or value == "":
            if rule.required:
                self.fail(rule.name, EMPTY)
            return None
        if "\x00" in value:  # PostgreSQL text cannot hold NUL: refuse it here, not with a 500
            self.fail(rule.name, "must not contain NUL characters")
            return None
        if not rule.min_len <= len(value) <= rule.max_len:
            self.fail(rule.name, f"size must be between {rule.min_len} and {rule.max_len}")
            return None
        if rule.pattern is not None and not rule.pattern.fullmatch(value):
            self.fail(rule.name, rule.pattern_error)
            return None
        return str(value)

    def _choice(self, rule: Choice, value: Any) -> str | None:
        if value is None or value == "":
            if rule.required:
                self.fail(rule.name, EMPTY)
            return None
        if not isinstance(value, str) or value not in rule.values:
            self.fail(rule.name, rule.error)
            return None
        return value

    def _flag(self, rule: Flag, value: Any) -> bool | None:
        if value is None:
            return rule.default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail(rule.name, "must be a boolean")
        return rule.default

    def _integer(self, rule: Integer, value: Any) -> int | None:
        if value is None or value == "":
            if rule.required:
                self.fail(rule.name, EMPTY)
            return None
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(rule.name, "must be an integer")
            return None
        maximum = rule.maximum if isinstance(rule.maximum, int) else rule.maximum()
        if not rule.minimum <= value <= maximum:
            self.fail(rule.name, f"must be between {rule.minimum} and {maximum}")
            return None
        return value


EMAIL_RULE = Text(
    "email",
    255,
    pattern=_EMAIL,
    pattern_error="not a well-formed email address",
    about="A well-formed e-mail address.",
    extra={"format": "email"},
)
