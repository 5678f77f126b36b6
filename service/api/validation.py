"""Tolerant, Paysafe-style validation of request bodies.

Paysafe's back end coerces like Jackson does, and the official SDKs rely on it: numeric strings for
integers (``"12"``), ``"true"``/``"false"`` for booleans, numbers for strings (``accountNumber``).
Unknown and read-only keys are ignored. Every problem becomes one ``fieldErrors`` entry with a
dotted path and a Bean-Validation message, so a client sees all its mistakes at once. Messages
describe the rule, never the rejected value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.api.errors import FieldError

EMPTY = "may not be empty"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Text:
    name: str
    max_len: int
    required: bool = False
    min_len: int = 1
    pattern: re.Pattern[str] | None = None
    pattern_error: str = "invalid format"


@dataclass(frozen=True)
class Choice:
    name: str
    values: tuple[str, ...]
    required: bool = False
    error: str = "invalid value"


@dataclass(frozen=True)
class Flag:
    name: str
    default: bool = False


@dataclass(frozen=True)
class Integer:
    name: str
    minimum: int
    maximum: int
    required: bool = False


Rule = Text | Choice | Flag | Integer


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

    def _flag(self, rule: Flag, value: Any) -> bool:
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
        if not rule.minimum <= value <= rule.maximum:
            self.fail(rule.name, f"must be between {rule.minimum} and {rule.maximum}")
            return None
        return value


EMAIL_RULE = Text("email", 255, pattern=_EMAIL, pattern_error="not a well-formed email address")
