"""The fault-injection suite: the four processes and a PostgreSQL and Kafka of its own, a write
load running, one fault after another; after each, the invariants in tests/faults/checks.py.

Run by ``make test-faults`` (marker ``fault_suite``; 5 to 10 minutes, so not part of ``make
test``: docs/crash-safety.md says why).
The report (one row per fault) is printed and written to VAULT_FAULT_REPORT (default
fault-report.md in the test's temporary directory).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from service.settings import Settings
from service.tokens.settings import TokenServiceSettings
from tests.faults import checks
from tests.faults.load import Endpoint, Load
from tests.faults.servers import OwnServers
from tests.faults.token_protocol import PROTOCOL_ENV, crash_between_tokenized_and_appended
from tests.processes import Stack, build_stack

# Deselected from `make test` by the marker (pyproject addopts), never skipped: `make test-faults`
# selects it with `-m fault_suite`.
pytestmark = [pytest.mark.integration, pytest.mark.fault_suite, pytest.mark.timeout(1800)]
OUTAGE_SECONDS = float(os.environ.get("VAULT_FAULT_OUTAGE_SECONDS", "6"))
PROCESSES = ("api", "tokens", "relay", "projector")
PROJECTOR_GROUP = "customervault.customer-search"
# The load is routed by the API's readiness, probed every PROBE_PERIOD (tests/faults/load.py); the
# drain outlasts the probe period many times over, as the manifests' drain outlasts theirs.
PROBE_PERIOD_SECONDS = 0.1
DRAIN_SECONDS = 2.0


@dataclass
class Row:
    fault: str
    outcomes: Counter[str]
    recovery_seconds: float
    unrouted_seconds: float
    figures: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class Suite:
    servers: OwnServers
    stack: Stack
    load: Load
    rows: list[Row] = field(default_factory=list)
    _checked: tuple[int, int] = (0, 0)
    _duplicates: int = 0

    async def run(self, name: str, inject: Callable[[], Awaitable[None]]) -> None:
        self.load.take_outcomes()
        self.load.resume()
        self.load.endpoint.take_removed_seconds()
        await self._until_writes_succeed()  # the fault hits a running load
        await inject()
        undone = time.monotonic()
        for process in self.stack.processes.values():
            await process.wait_ready(timeout=120)
        await self._until_writes_succeed()
        recovery = time.monotonic() - undone
        await self.load.pause()
        unrouted = self.load.endpoint.take_removed_seconds()
        row = Row(name, self.load.take_outcomes(), recovery, unrouted)
        await self._check(row)
        self.rows.append(row)

    async def _until_writes_succeed(self, timeout: float = 120.0) -> None:
        before = self.load.outcomes["ok"]
        deadline = time.monotonic() + timeout
        while self.load.outcomes["ok"] < before + 2:
            assert time.monotonic() < deadline, f"no write succeeded:\n{self.stack.logs()}"
            await asyncio.sleep(0.05)

    async def _check(self, row: Row) -> None:
        pool = await asyncpg.create_pool(self.servers.database_url, min_size=1, max_size=4)
        try:
            found = [
                await checks.acknowledged_writes(self.stack, self.load, self._checked),
                await checks.events_on_kafka(self.stack, pool),
                await checks.projector_caught_up(self.stack, PROJECTOR_GROUP),
                await checks.views_equal_rebuild(self.stack, pool),
            ]
            found += [await check(self.stack, pool) for check in checks.EXTRA_CHECKS]
        finally:
            await pool.close()
        self._checked = (len(self.load.profiles), len(self.load.cards))
        for findings in found:
            row.figures.update(findings.figures)
            row.problems += findings.problems
        total = row.figures.get("duplicates", 0)
        row.figures["duplicates"], self._duplicates = total - self._duplicates, total

    # --- the faults ---------------------------------------------------------------------------

    async def kill9(self, name: str) -> None:
        self.stack.processes[name].kill()
        await asyncio.sleep(1)
        self.stack.processes[name].start()

    async def kill9_together(self, *names: str) -> None:
        for name in names:
            self.stack.processes[name].kill()
        await asyncio.sleep(1)
        for name in names:
            self.stack.processes[name].start()

    async def freeze(self, name: str) -> None:
        """SIGSTOP a process (a hung pod, a long GC pause), then SIGCONT: its peers time out."""
        popen = self.stack.processes[name].popen
        assert popen is not None
        popen.send_signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            popen.send_signal(signal.SIGCONT)

    async def postgres_freeze(self) -> None:
        self.servers.postgres_freeze()
        try:
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            self.servers.postgres_thaw()

    async def sigterm(self, name: str) -> None:
        code, _ = await asyncio.to_thread(self.stack.processes[name].terminate)
        assert code == 0, f"{name} exited with {code} on SIGTERM"
        self.stack.processes[name].start()

    async def kafka_kill9(self) -> None:
        await asyncio.to_thread(self.servers.kafka_kill)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(self.servers.kafka_restart)

    async def kafka_freeze(self) -> None:
        self.servers.kafka_freeze()
        try:
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            self.servers.kafka_thaw()

    async def postgres_immediate_stop(self) -> None:
        await asyncio.to_thread(self.servers.postgres_stop_immediate)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(self.servers.postgres_restart)

    async def crash_between_tokenized_and_appended(self) -> None:
        await crash_between_tokenized_and_appended(self.stack, self.servers.database_url)

    async def long_transaction(self) -> None:
        conn = await asyncpg.connect(self.servers.database_url)
        try:
            async with conn.transaction():
                await conn.execute("SELECT pg_current_xact_id()")  # holds the xmin horizon
                await conn.execute("SELECT pg_sleep($1)", OUTAGE_SECONDS * 2)
        finally:
            await conn.close()


def report(rows: list[Row]) -> str:
    extra = sorted({k for r in rows for k in r.figures} - {"lost", "duplicates", "unpublished"})
    head = ["fault", "ok", "failed (by status)", "lost", "duplicated", "unpublished", *extra]
    lines = [
        "| " + " | ".join([*head, "recovery s", "unrouted s", "problems"]) + " |",
        "|" + "---|" * (len(head) + 3),
    ]
    for r in rows:
        failed = ", ".join(f"{k}: {v}" for k, v in sorted(r.outcomes.items()) if k != "ok")
        cells = [
            r.fault,
            str(r.outcomes["ok"]),
            failed or "-",
            *(str(r.figures.get(k, "n/a")) for k in ("lost", "duplicates", "unpublished", *extra)),
            f"{r.recovery_seconds:.1f}",
            f"{r.unrouted_seconds:.1f}",
            str(len(r.problems)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@pytest.fixture
async def suite(
    own_servers: OwnServers,
    own_settings: Settings,  # migrates the own servers
    token_settings: TokenServiceSettings,
    process_env: dict[str, str],
    tmp_path: Path,
) -> AsyncIterator[Suite]:
    env = {
        **process_env,
        "DATABASE_URL": own_servers.database_url,
        "VAULT_TOKENS_DATABASE_URL": own_servers.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": own_servers.bootstrap_servers,
        "VAULT_SHUTDOWN_DRAIN_SECONDS": str(DRAIN_SECONDS),
        **PROTOCOL_ENV,
    }
    pool = await asyncpg.create_pool(own_servers.database_url, min_size=1, max_size=2)
    try:
        stack = await build_stack(pool, env, token_settings.keks, tmp_path)
    finally:
        await pool.close()
    await stack.start_all()
    readyz = f"{stack.processes['api'].metrics_url}/readyz"
    load = Load(stack.api_url, stack.merchant, Endpoint(readyz, period=PROBE_PERIOD_SECONDS))
    await load.start()
    try:
        yield Suite(own_servers, stack, load)
    finally:
        await load.stop()
        stack.stop_all()


async def test_every_fault_leaves_the_vault_whole(suite: Suite, tmp_path: Path) -> None:
    faults: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        *((f"kill -9 {p}", lambda p=p: suite.kill9(p)) for p in PROCESSES),  # type: ignore[misc]
        ("kill -9 Kafka, restart", suite.kafka_kill9),
        (f"Kafka SIGSTOP {OUTAGE_SECONDS:.0f} s, SIGCONT", suite.kafka_freeze),
        ("PostgreSQL immediate stop, restart", suite.postgres_immediate_stop),
        (f"long transaction {OUTAGE_SECONDS * 2:.0f} s", suite.long_transaction),
        *((f"SIGTERM {p} under load", lambda p=p: suite.sigterm(p)) for p in PROCESSES),  # type: ignore[misc]
        ("API killed between tokenized and appended", suite.crash_between_tokenized_and_appended),
        *(  # type: ignore[misc]
            (f"SIGSTOP {p} {OUTAGE_SECONDS:.0f} s, SIGCONT", lambda p=p: suite.freeze(p))
            for p in PROCESSES
        ),
        (f"PostgreSQL SIGSTOP {OUTAGE_SECONDS:.0f} s, SIGCONT", suite.postgres_freeze),
        ("kill -9 api and tokens together", lambda: suite.kill9_together("api", "tokens")),
        (
            "kill -9 relay and projector together",
            lambda: suite.kill9_together("relay", "projector"),
        ),
        ("kill -9 every process at once", lambda: suite.kill9_together(*PROCESSES)),
        (
            "API killed between tokenized and appended, again",
            suite.crash_between_tokenized_and_appended,
        ),
    ]
    try:
        for name, inject in faults:
            await suite.run(name, inject)
    finally:
        table = report(suite.rows)
        print(f"\n{table}")
        target = Path(os.environ.get("VAULT_FAULT_REPORT") or tmp_path / "fault-report.md")
        target.write_text(f"# Fault-injection report\n\n{table}")
    problems = [f"{r.fault}: {p}" for r in suite.rows for p in r.problems]
    assert not problems, "\n".join(problems[:50])
    assert all(r.outcomes["500"] == 0 for r in suite.rows), "a fault was answered with 500"
    # A request sent to a stopping process is answered: not cut, not left unanswered, and no 5xx
    # but the documented 503s (a stopping token service is an outage to the API).
    sigterms = [r for r in suite.rows if r.fault.startswith("SIGTERM")]
    assert all(r.outcomes["reset"] == 0 for r in sigterms), "a graceful shutdown cut a request"
    assert all(r.outcomes["timeout"] == 0 for r in sigterms), "a graceful shutdown lost a request"
    unexpected = [
        (r.fault, s) for r in sigterms for s in r.outcomes if s.startswith("5") and s != "503"
    ]
    assert not unexpected, unexpected
    assert len(suite.rows) == len(faults)
