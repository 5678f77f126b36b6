"""Text dumps the fuzz runs' number scan searches: every vault and tokens table (event payloads
decoded) and a topic's records. The flagship scan (tests/e2e/test_no_numbers_anywhere.py) goes
further: every schema, bytea as raw bytes, UTF-16, every topic on the broker."""

from __future__ import annotations

from typing import Any

import asyncpg


async def text_of_every_table(pool: asyncpg.Pool) -> dict[str, str]:
    tables = await pool.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('vault', 'tokens') AND table_type = 'BASE TABLE'"
    )
    dumps = {}
    for t in tables:
        name = f"{t['table_schema']}.{t['table_name']}"
        rows = await pool.fetch(f"SELECT row_to_json(t)::text AS row FROM {name} t")
        dumps[name] = "\n".join(r["row"] for r in rows)
    events = await pool.fetch("SELECT data FROM vault.events")
    dumps["vault.events payloads"] = "\n".join(bytes(r["data"]).decode() for r in events)
    return dumps


def kafka_text(records: list[Any]) -> str:
    parts = []
    for r in records:
        parts.append((r.key or b"").decode(errors="replace"))
        parts.append(r.value.decode(errors="replace"))
        parts.extend(f"{k}={v.decode(errors='replace')}" for k, v in r.headers)
    return "\n".join(parts)
