"""Running a projection's ``RowOp`` values against PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import asyncpg

from infra.sqlfiles import load_sql
from projections.rows import RowOp


async def apply(conn: asyncpg.Connection, ops: Sequence[RowOp]) -> None:
    """Run ``ops`` in order; a run of the same statement goes in one round trip (executemany)."""
    for statement, run in groupby(ops, key=lambda op: op.statement):
        sql = load_sql("projections", f"queries/{statement}.sql")
        args = [op.args for op in run]
        if len(args) == 1:
            await conn.execute(sql, *args[0])
        else:
            await conn.executemany(sql, args)
