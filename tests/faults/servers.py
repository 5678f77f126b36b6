"""PostgreSQL and Kafka of the fault tests' own, in a scratch directory: these are the servers
the tests kill, stop and freeze (never the shared ones the rest of the suite uses)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import asyncpg

from devstack.kafka import LocalKafka, fetch_kafka
from devstack.postgres import LocalPostgres, find_bindir
from devstack.process import ManagedProcess, run_coroutine, wait_until


class OwnServers:
    def __init__(self, root: Path) -> None:
        self.postgres = LocalPostgres(root / "postgres", print)
        self.kafka = LocalKafka(root / "kafka", print)
        self._libs: Path | None = None

    def start(self) -> None:
        self._libs = fetch_kafka()
        self.postgres.launch()
        self.kafka.launch(self._libs)
        self.postgres.wait_ready()
        self.kafka.wait_ready()
        # devstack turns synchronous_commit off for speed: an immediate stop would then lose the
        # last acknowledged commits, a property of that setting and not of the vault.
        run_coroutine(self._commit_synchronously)

    async def _commit_synchronously(self) -> None:
        conn = await asyncpg.connect(self.postgres.url)
        try:
            await conn.execute("ALTER SYSTEM SET synchronous_commit = on")
            await conn.execute("SELECT pg_reload_conf()")
        finally:
            await conn.close()

    @property
    def database_url(self) -> str:
        return self.postgres.url

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka.bootstrap_servers

    def stop(self) -> None:
        for server in (self.kafka, self.postgres):
            if server.process is not None:
                with contextlib.suppress(ProcessLookupError):  # killed by the test already
                    self.signal(server.process, signal.SIGCONT)
                server.stop()

    @staticmethod
    def signal(process: ManagedProcess, sig: signal.Signals) -> None:
        os.kill(process.pid, sig)

    # --- PostgreSQL ---------------------------------------------------------------------------

    def postgres_stop_immediate(self) -> None:
        """``pg_ctl stop -m immediate``: SIGQUIT to the postmaster, no checkpoint, clients cut."""
        assert self.postgres.process is not None
        self.signal(self.postgres.process, signal.SIGQUIT)
        self.postgres.process.stop(timeout=20.0)

    def postgres_restart(self) -> None:
        """Starts the same cluster again (same data directory and port) and waits for it."""
        pg = self.postgres
        pg.process = ManagedProcess(
            "postgres",
            [str(find_bindir() / "postgres"), "-D", str(pg.root / "data")],
            pg.root / "postgres.log",
            cwd=pg.root,
            env={**os.environ, "LC_ALL": "C"},
            user=pg.os_user,
            stop_signal=signal.SIGINT,
        )
        wait_until("postgres", pg._connects, timeout=60, process=pg.process)

    # --- Kafka --------------------------------------------------------------------------------

    def postgres_freeze(self) -> None:
        """SIGSTOP the postmaster and every backend: PostgreSQL hangs instead of refusing."""
        for pid in self._postgres_pids():
            os.kill(pid, signal.SIGSTOP)

    def postgres_thaw(self) -> None:
        for pid in self._postgres_pids():
            os.kill(pid, signal.SIGCONT)

    def _postgres_pids(self) -> list[int]:
        root = self.postgres.process.pid
        children = [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _parent_of(entry) == root
        ]
        return [root, *children]

    def kafka_freeze(self) -> None:
        assert self.kafka.process is not None
        self.signal(self.kafka.process, signal.SIGSTOP)

    def kafka_thaw(self) -> None:
        assert self.kafka.process is not None
        self.signal(self.kafka.process, signal.SIGCONT)

    def kafka_kill(self) -> None:
        assert self.kafka.process is not None
        self.signal(self.kafka.process, signal.SIGKILL)
        self.kafka.process.stop(timeout=5)

    def kafka_restart(self) -> None:
        """The same broker again (same config, data and ports), without reformatting."""
        k = self.kafka
        assert self._libs is not None
        env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_OPTS", "KAFKA_HEAP_OPTS")}
        k.process = ManagedProcess(
            "kafka",
            k._java_cmd(self._libs, "kafka.Kafka", str(k.root / "server.properties")),
            k.root / "kafka.log",
            cwd=k.root,
            env=env,
        )
        k.wait_ready()


def _parent_of(proc_entry: Path) -> int | None:
    try:
        return int((proc_entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
