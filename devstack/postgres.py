"""A throwaway PostgreSQL server run from the locally installed binaries.

Used when neither ``DATABASE_URL`` nor a Docker engine is available. The cluster is created with
``initdb`` in a scratch directory, tuned for speed over durability (it is deleted afterwards), and
listens on 127.0.0.1 only, with trust authentication for the ``vault`` role.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from devstack.ports import LOOPBACK, free_port
from devstack.process import (
    Log,
    ManagedProcess,
    ServiceStartError,
    run_checked,
    run_coroutine,
    user_kwargs,
    wait_until,
)

DB_USER = "vault"
DB_NAME = "vault"
# initdb and postgres refuse to run as root; when we are root they run as this OS user instead.
DEFAULT_OS_USER = "postgres"

# Durability is pointless for a database that is deleted after the run; these make writes cheap.
# max_connections leaves room for several pools from the app plus tests running side by side, and
# for the bench at 64 clients beside the stack (200 refused ~200 of its appends: "too many clients").
SERVER_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "shared_buffers": "128MB",
}

# A unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux, NUL included).
_MAX_SOCKET_PATH = 107


def find_bindir() -> Path:
    """Directory holding initdb/postgres: $VAULT_PG_BINDIR, then PATH, then Debian's layout.

    Debian and Ubuntu keep the server binaries out of PATH, in /usr/lib/postgresql/<major>/bin;
    the newest major version found there wins.
    """
    override = os.environ.get("VAULT_PG_BINDIR")
    if override:
        return Path(override)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]

    def major(p: Path) -> int:
        return int(p.parent.name) if re.fullmatch(r"\d+", p.parent.name) else 0

    if candidates:
        return max(candidates, key=major)
    raise ServiceStartError(
        "PostgreSQL server binaries (initdb, postgres) not found; install PostgreSQL or set "
        "VAULT_PG_BINDIR, DATABASE_URL, or run a Docker engine"
    )


class LocalPostgres:
    """One ``postgres`` server in ``root`` (created on :meth:`launch`, removed by the caller)."""

    def __init__(self, root: Path, log: Log) -> None:
        self.log = log
        self.os_user = self._os_user()
        self.root = self._usable_root(root)
        self.port = 0
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}@{LOOPBACK}:{self.port}/{DB_NAME}"

    @staticmethod
    def _os_user() -> str | None:
        if os.geteuid() != 0:
            return None
        name = os.environ.get("VAULT_PG_OS_USER", DEFAULT_OS_USER)
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise ServiceStartError(
                f"running as root, but OS user {name!r} for PostgreSQL does not exist "
                "(initdb refuses root; set VAULT_PG_OS_USER to an unprivileged user)"
            ) from None
        return name

    def _usable_root(self, wanted: Path) -> Path:
        """``wanted``, or a short fresh dir under the system temp dir if ``wanted`` won't do.

        Two things can rule ``wanted`` out: the socket path would be too long (deep pytest
        tmp paths), or, when we are root, the ``postgres`` user cannot reach it because a parent
        directory is private (pytest's basetemp is mode 0700).
        """
        wanted.mkdir(parents=True, exist_ok=True)
        socket_path = wanted / "run" / ".s.PGSQL.65535"
        if len(str(socket_path)) <= _MAX_SOCKET_PATH and self._reachable(wanted):
            return wanted
        fallback = Path(tempfile.mkdtemp(prefix="vault-pg-"))
        self.log(
            f"postgres: using {fallback} for the cluster ({wanted} is not reachable for OS user "
            f"{self.os_user or 'us'} or too deep for a unix socket path)"
        )
        if self.os_user is not None:
            shutil.chown(fallback, self.os_user, self.os_user)
        return fallback

    def _reachable(self, path: Path) -> bool:
        if self.os_user is None:
            return True
        shutil.chown(path, self.os_user, self.os_user)
        probe = subprocess.run(
            ["test", "-w", str(path), "-a", "-x", str(path)],
            capture_output=True,
            check=False,
            **user_kwargs(self.os_user),
        )
        return probe.returncode == 0

    def launch(self) -> None:
        """initdb and start the server; returns without waiting for it (see :meth:`wait_ready`)."""
        bindir = find_bindir()
        data = self.root / "data"
        run_dir = self.root / "run"
        run_dir.mkdir(exist_ok=True)
        if self.os_user is not None:
            shutil.chown(run_dir, self.os_user, self.os_user)
        log_path = self.root / "postgres.log"
        env = {**os.environ, "LC_ALL": "C"}
        env.pop("PGDATA", None)

        run_checked(
            "initdb",
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "--auth=trust",
                f"--username={DB_USER}",
                "--encoding=UTF8",
                "--locale=C",
                # Skips fsyncing the new cluster to disk: it only has to survive this run.
                "--no-sync",
                "--no-instructions",
            ],
            log_path,
            cwd=self.root,
            env=env,
            user=self.os_user,
        )

        self.port = free_port()
        settings = {
            **SERVER_SETTINGS,
            "listen_addresses": f"'{LOOPBACK}'",
            "port": str(self.port),
            # Keeps the socket out of /var/run/postgresql, which a system cluster may own.
            "unix_socket_directories": f"'{run_dir}'",
        }
        # Appending keeps initdb's file (owned by the OS user) and lets the last setting win.
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# devstack overrides\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

        self.process = ManagedProcess(
            "postgres",
            [str(bindir / "postgres"), "-D", str(data)],
            log_path,
            cwd=self.root,
            env=env,
            user=self.os_user,
            # SIGINT is PostgreSQL's "fast" shutdown: it disconnects clients. SIGTERM ("smart")
            # would wait for every connection a test forgot to close.
            stop_signal=signal.SIGINT,
        )

    def wait_ready(self, timeout: float = 60.0) -> str:
        """Wait until a real connection succeeds, create the ``vault`` database, return its URL."""
        assert self.process is not None, "launch() first"
        wait_until("postgres", self._connects, timeout=timeout, process=self.process)
        run_coroutine(self._create_database)
        return self.url

    def _connects(self) -> bool:
        return run_coroutine(self._try_connect)

    async def _try_connect(self) -> bool:
        import asyncpg

        try:
            conn = await asyncpg.connect(
                host=LOOPBACK, port=self.port, user=DB_USER, database="postgres", timeout=2
            )
        except (OSError, TimeoutError, asyncpg.PostgresError):
            # Refused while starting up, or "the database system is starting up".
            return False
        await conn.close()
        return True

    async def _create_database(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(
            host=LOOPBACK, port=self.port, user=DB_USER, database="postgres"
        )
        try:
            await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        finally:
            await conn.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=20.0)
