"""``LocalStack``: PostgreSQL + Kafka for tests and ``make run``, from wherever they can come.

For each service independently, in order of preference:

1. an existing service named by ``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS`` (nothing started);
2. a container via testcontainers, when a Docker engine answers;
3. a local process: PostgreSQL from the installed binaries, Kafka from jars fetched once with Maven.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol

from devstack import containers
from devstack.kafka import LocalKafka, fetch_kafka
from devstack.postgres import LocalPostgres
from devstack.process import Log


@dataclass(frozen=True)
class Endpoints:
    database_url: str  # postgresql://USER@127.0.0.1:PORT/DB
    kafka_bootstrap_servers: str  # 127.0.0.1:PORT


class _Running(Protocol):
    def stop(self) -> None: ...


def _keep_stack() -> bool:
    return os.environ.get("VAULT_KEEP_STACK", "") not in ("", "0", "false", "no")


class LocalStack:
    """Start (or find) PostgreSQL and Kafka; ``stop()`` undoes whatever ``start()`` did.

    Usable as ``with LocalStack() as endpoints: ...`` or via explicit ``start()``/``stop()``.
    ``work_dir`` holds the local servers' data and logs; by default a fresh temporary directory,
    removed on stop (as are the servers' subdirectories of a given ``work_dir``) unless
    ``VAULT_KEEP_STACK=1``.
    """

    def __init__(self, work_dir: Path | None = None, log: Log = print) -> None:
        self._given_work_dir = work_dir
        self._log = log
        self._work_dir: Path | None = None
        self._running: list[_Running] = []  # stopped in reverse order
        self._scratch: list[Path] = []
        self._pids: dict[str, int] = {}
        self._docker: bool | None = None
        self._atexit_registered = False
        self.endpoints: Endpoints | None = None

    @property
    def pids(self) -> dict[str, int]:
        """Process ids of the servers this stack started as local processes (name -> pid)."""
        return dict(self._pids)

    def __enter__(self) -> Endpoints:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Endpoints:
        if self.endpoints is not None:
            return self.endpoints
        if not self._atexit_registered:
            # An interrupted run (Ctrl-C, an exception in a fixture) must not leave servers behind.
            atexit.register(self.stop)
            self._atexit_registered = True
        try:
            self.endpoints = self._start()
        except BaseException:
            if self._scratch and not _keep_stack():
                self._log("start failed; set VAULT_KEEP_STACK=1 to keep the servers' logs")
            self.stop()
            raise
        return self.endpoints

    def _start(self) -> Endpoints:
        database_url = os.environ.get("DATABASE_URL")
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if database_url:
            self._log("postgres: using DATABASE_URL from the environment")
        if bootstrap:
            self._log("kafka: using KAFKA_BOOTSTRAP_SERVERS from the environment")

        # Kafka is launched first and awaited last: the JVM takes longest to come up, and
        # PostgreSQL's initdb and start-up overlap with its boot.
        kafka: LocalKafka | None = None
        kafka_started = time.monotonic()
        if not bootstrap:
            if self._use_docker():
                self._log("kafka: starting a container (testcontainers)")
                kafka_container = containers.KafkaInDocker()
                self._running.append(kafka_container)
                bootstrap = kafka_container.bootstrap_servers
            else:
                libs = fetch_kafka(log=self._log)
                kafka_started = time.monotonic()
                kafka = LocalKafka(self._scratch_dir("kafka"), self._log)
                self._running.append(kafka)
                kafka.launch(libs)
                assert kafka.process is not None
                self._pids["kafka"] = kafka.process.pid

        if not database_url:
            if self._use_docker():
                self._log(f"postgres: starting a container ({containers.POSTGRES_IMAGE})")
                pg_container = containers.PostgresInDocker()
                self._running.append(pg_container)
                database_url = pg_container.url
            else:
                database_url = self._start_local_postgres()

        if kafka is not None:
            bootstrap = kafka.wait_ready()
            self._log(
                f"kafka: ready at {bootstrap} in {time.monotonic() - kafka_started:.1f}s "
                f"(log: {kafka.root / 'kafka.log'})"
            )

        assert database_url and bootstrap
        return Endpoints(database_url=database_url, kafka_bootstrap_servers=bootstrap)

    def _start_local_postgres(self) -> str:
        started = time.monotonic()
        requested = self._scratch_dir("postgres")
        postgres = LocalPostgres(requested, self._log)
        if postgres.root != requested:  # it fell back to a shorter / reachable path
            self._scratch.append(postgres.root)
        self._running.append(postgres)
        postgres.launch()
        assert postgres.process is not None
        self._pids["postgres"] = postgres.process.pid
        url = postgres.wait_ready()
        self._log(
            f"postgres: ready at {url} in {time.monotonic() - started:.1f}s "
            f"(log: {postgres.root / 'postgres.log'})"
        )
        return url

    def _use_docker(self) -> bool:
        if self._docker is None:
            self._docker = containers.docker_available()
        return self._docker

    def _scratch_dir(self, name: str) -> Path:
        if self._work_dir is None:
            if self._given_work_dir is not None:
                self._work_dir = self._given_work_dir
                self._work_dir.mkdir(parents=True, exist_ok=True)
            else:
                self._work_dir = Path(tempfile.mkdtemp(prefix="customer-vault-stack-"))
                self._scratch.append(self._work_dir)
                # mkdtemp makes it 0700; the postgres OS user (when we are root) must traverse it.
                self._work_dir.chmod(0o711)
        path = self._work_dir / name
        if path.exists():
            shutil.rmtree(path)  # left over from a kept earlier run in the same work_dir
        path.mkdir(parents=True)
        if self._given_work_dir is not None:
            self._scratch.append(path)
        return path

    def stop(self) -> None:
        """Stop everything this stack started and remove its scratch directories. Idempotent."""
        errors: list[BaseException] = []
        while self._running:
            service = self._running.pop()
            try:
                service.stop()
            except Exception as exc:  # keep stopping the rest; report afterwards
                errors.append(exc)
        self._pids.clear()
        self.endpoints = None
        if self._scratch:
            if _keep_stack():
                self._log(f"VAULT_KEEP_STACK is set: keeping {', '.join(map(str, self._scratch))}")
            else:
                for path in self._scratch:
                    shutil.rmtree(path, ignore_errors=True)
            self._scratch.clear()
        self._work_dir = None
        if self._atexit_registered:
            atexit.unregister(self.stop)
            self._atexit_registered = False
        if errors:
            raise errors[0]
