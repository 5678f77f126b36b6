"""Settings declared once: each field of a settings dataclass names its environment variable,
default, whether it is a secret, how its text is parsed and what it means. ``from_env``,
``redacted`` and the table in ``docs/configuration.md`` all come from those declarations.

For any variable, ``NAME_FILE`` (a path, e.g. a mounted Kubernetes Secret) takes precedence over
``NAME``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Declaration:
    env: str
    description: str
    parse: Callable[[str], Any]
    secret: bool
    shown_default: str | None  # what the docs say when the literal default would mislead
    also: tuple[str, ...]  # variables read, in order, when ``env`` is not set


def setting(
    env: str,
    default: Any,
    description: str,
    *,
    secret: bool = False,
    parse: Callable[[str], Any] | None = None,
    shown_default: str | None = None,
    also: tuple[str, ...] = (),
) -> Any:
    """A dataclass field read from ``env`` (or the first of ``also`` that is set); the parser
    defaults to the default's type."""
    declaration = Declaration(env, description, parse or type(default), secret, shown_default, also)
    return dataclasses.field(default=default, repr=not secret, metadata={"setting": declaration})


def declarations(cls: type) -> list[tuple[dataclasses.Field[Any], Declaration]]:
    return [(f, f.metadata["setting"]) for f in dataclasses.fields(cls) if "setting" in f.metadata]


def _raw(name: str, environ: Mapping[str, str]) -> str | None:
    file_path = environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return environ.get(name)


T = TypeVar("T")


def from_env(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """An instance of the settings dataclass ``cls`` from the environment (or ``environ``)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f, declared in declarations(cls):
        names = (declared.env, *declared.also)
        raw = next((r for r in (_raw(name, env) for name in names) if r is not None), None)
        if raw is None:
            continue
        try:
            values[f.name] = declared.parse(raw)
        except ValueError as exc:
            kind = getattr(declared.parse, "__name__", "value")
            raise ConfigError(f"{declared.env} must be a valid {kind}, got {raw!r}") from exc
    return cls(**values)


def redacted(settings: Any) -> dict[str, str]:
    """Every setting's effective value, secrets replaced and URL passwords hidden."""
    out = {}
    for f, declared in declarations(type(settings)):
        value = str(getattr(settings, f.name))
        out[f.name] = "<redacted>" if (declared.secret and value) else _without_password(value)
    return out


def docs_table(cls: type) -> str:
    """The Markdown table of ``cls``'s variables (docs/configuration.md is checked against it)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for f, declared in declarations(cls):
        default = declared.shown_default or (f"`{f.default}`" if f.default != "" else "*(empty)*")
        lines.append(f"| `{declared.env}` | {default} | {declared.description} |")
    return "\n".join(lines)


def trimmed_url(raw: str) -> str:
    return raw.rstrip("/")


def upper(raw: str) -> str:
    return raw.upper()


def _without_password(value: str) -> str:
    """A URL's password replaced (DATABASE_URL carries one in production)."""
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1<redacted>@", value)
