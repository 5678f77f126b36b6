"""SQL lives in .sql files, one statement or object per file, loaded once at import time."""

from functools import cache
from importlib import resources


@cache
def load_sql(package: str, name: str) -> str:
    """Return the text of ``<package>/sql/<name>``, e.g. ``load_sql("events", "queries/append.sql")``."""
    return resources.files(package).joinpath("sql", name).read_text(encoding="utf-8")
