"""SQL lives in .sql files, one statement or object per file, loaded once at import time."""

from functools import cache
from importlib import resources
from typing import Any


@cache
def load_sql(package: str, name: str) -> str:
    """Return the text of ``<package>/sql/<name>``, e.g. ``load_sql("events", "queries/append.sql")``."""
    return resources.files(package).joinpath("sql", name).read_text(encoding="utf-8")


class Queries:
    """A module's statements as a typed namespace: a subclass names its package and declares one
    ``name: str`` per statement, which becomes the text of ``<package>/sql/queries/<name>.sql``.
    The files are read when the class is defined, so a missing one fails the import, not a request.

        class _Sql(Queries, package="events"):
            append: str
    """

    def __init_subclass__(cls, *, package: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.__annotations__:
            setattr(cls, name, load_sql(package, f"queries/{name}.sql"))
