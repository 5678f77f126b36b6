"""``python -m bench.statements``: the SQL statements each operation costs, counted on the stack
``python -m bench`` starts (docs/scaling.md, "Statements per operation").

Statements and round trips do not drift with the machine's load the way CPU time does, so this is
the figure to compare before and after a change to the request path. It sends ``--count`` GET
profile (``fields=cards,addresses``) and AddCard requests one at a time with PostgreSQL's
``log_statement = 'all'`` switched on for each batch, and prints the statements per request by
the connection's ``application_name`` (the vault's API, relay and projector share one; the token
service has its own). Work that runs beside a batch on its own clock (the token service's outbox
publisher, the reconciler) shows up as fractions.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.hist import visa_numbers
from bench.stack import Target, start_local

PROFILES = "/customervault/v1/profiles"
_LOGGED = re.compile(
    r"^\[([^\]]*)\] LOG:  (?:statement|execute [^:]*): (.*?)(?=^\S|\Z)", re.S | re.M
)


def counts(log_text: str, requests: int) -> list[tuple[float, str, str]]:
    """(statements per request, application, statement's first 110 characters), most first."""
    seen: collections.Counter[tuple[str, str]] = collections.Counter()
    for match in _LOGGED.finditer(log_text):
        lines = match.group(2).splitlines()
        sql = " ".join(line for line in lines if not line.lstrip().startswith("--"))
        seen[(match.group(1) or "-", " ".join(sql.split())[:110])] += 1
    return [(n / requests, app, sql) for (app, sql), n in seen.most_common()]


async def _logged(pool: asyncpg.Pool, log: Path, send: Callable[[], Awaitable[None]]) -> str:
    """What PostgreSQL logged while ``send`` ran."""
    for setting in ("log_statement = 'all'", "log_line_prefix = '[%a] '"):
        await pool.execute(f"ALTER SYSTEM SET {setting}")
    await pool.execute("SELECT pg_reload_conf()")
    await asyncio.sleep(0.5)  # the reload reaches every backend at its next command
    start = (await asyncio.to_thread(log.stat)).st_size
    await send()
    await asyncio.sleep(0.5)
    await pool.execute("ALTER SYSTEM SET log_statement = 'none'")
    await pool.execute("SELECT pg_reload_conf()")
    return await asyncio.to_thread(_read_from, log, start)


def _read_from(path: Path, offset: int) -> str:
    with path.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        return handle.read()


async def measure(target: Target, requests: int) -> dict[str, list[tuple[float, str, str]]]:
    pool = await asyncpg.create_pool(target.database_url, min_size=1, max_size=2)
    assert pool is not None
    numbers = visa_numbers()
    headers = {"Authorization": aiohttp.encode_basic_auth(*target.api_key)}
    try:
        log = Path(await pool.fetchval("SHOW data_directory")).parent / "postgres.log"
        async with aiohttp.ClientSession(target.api_url, headers=headers) as http:

            async def call(method: str, path: str, body: Any = None) -> Any:
                async with http.request(method, path, json=body) as response:
                    if response.status >= 300:
                        raise RuntimeError(f"{method} {path}: {response.status}")
                    return await response.json()

            def card() -> dict[str, Any]:
                return {"cardNum": next(numbers), "cardExpiry": {"month": 12, "year": 2031}}

            profile = await call(
                "POST",
                PROFILES,
                {"merchantCustomerId": "statements", "locale": "en_US", "firstName": "Ada"},
            )
            path = f"{PROFILES}/{profile['id']}"
            await call("POST", f"{path}/addresses", {"country": "US", "zip": "10001"})
            for _ in range(3):  # warm: prepared statements, caches, the relay's first batches
                await call("POST", f"{path}/cards", card())
                await call("GET", f"{path}?fields=cards,addresses")

            async def gets() -> None:
                for _ in range(requests):
                    await call("GET", f"{path}?fields=cards,addresses")

            async def add_cards() -> None:
                for _ in range(requests):
                    await call("POST", f"{path}/cards", card())

            return {
                "GET profile fields=cards,addresses": counts(
                    await _logged(pool, log, gets), requests
                ),
                "AddCard": counts(await _logged(pool, log, add_cards), requests),
            }
    finally:
        await pool.close()


async def main(requests: int) -> int:
    async with start_local(lambda line: print(f"[bench] {line}", file=sys.stderr)) as target:
        results = await measure(target, requests)
    for operation, rows in results.items():
        print(f"{operation}: {sum(n for n, _, _ in rows):.2f} statements per request")
        for n, app, sql in rows:
            print(f"  {n:5.2f}  {app:<24} {sql}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.statements", description=__doc__)
    parser.add_argument("--count", type=int, default=20, help="requests per operation")
    sys.exit(asyncio.run(main(parser.parse_args().count)))
