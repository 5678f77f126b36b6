"""Child process handling shared by the local PostgreSQL and Kafka servers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

Log = Callable[[str], None]


class ServiceStartError(RuntimeError):
    """A dev-stack service could not be started; the message carries the tail of its log."""


def log_tail(path: Path, lines: int = 40) -> str:
    """Last ``lines`` lines of a log file (or a note that there is none), for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def run_checked(
    name: str,
    argv: Sequence[str],
    log_path: Path,
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    timeout: float = 120.0,
) -> None:
    """Run a one-shot setup command (initdb, Kafka's storage format), appending output to a log.

    Output goes to the service's log file rather than the caller's stdout so that test output stays
    readable; on failure the tail of that log is put into the exception instead.
    """
    with log_path.open("ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            result = subprocess.run(
                list(argv),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
                **user_kwargs(user),
            )
        except subprocess.TimeoutExpired as exc:
            raise ServiceStartError(
                f"{name} timed out after {timeout:.0f}s; {log_path}:\n{log_tail(log_path)}"
            ) from exc
    if result.returncode != 0:
        raise ServiceStartError(
            f"{name} failed with exit code {result.returncode}; last lines of {log_path}:\n"
            f"{log_tail(log_path)}"
        )


def user_kwargs(user: str | None) -> dict[str, Any]:
    """Popen arguments that run the child as OS user ``user`` (None: as ourselves)."""
    # Popen switches uid/gid itself (no `runuser` in between), so the pid we hold is the server's
    # own pid and our signals reach it directly. extra_groups=[] drops root's supplementary groups.
    if user is None:
        return {}
    return {"user": user, "group": _primary_group(user), "extra_groups": []}


def _primary_group(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid


class ManagedProcess:
    """A long-running server child in its own process group, with output in a log file.

    Its own process group (a new session) means a Ctrl-C in the terminal does not hit the server
    directly (we shut it down in order instead), and that ``stop`` can kill any helper processes
    the server forked (PostgreSQL backends) with one ``killpg``.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.log_path = log_path
        self.stop_signal = stop_signal
        with log_path.open("ab") as out:
            out.write(f"$ {' '.join(argv)}\n".encode())
            out.flush()
            self._popen = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **user_kwargs(user),
            )

    @property
    def pid(self) -> int:
        return self._popen.pid

    def alive(self) -> bool:
        return self._popen.poll() is None

    def check_alive(self) -> None:
        """Raise with the log tail if the server has exited (used while waiting for readiness)."""
        code = self._popen.poll()
        if code is not None:
            raise ServiceStartError(
                f"{self.name} exited with code {code} while starting; last lines of "
                f"{self.log_path}:\n{log_tail(self.log_path)}"
            )

    def stop(self, timeout: float = 20.0) -> None:
        """Ask the server to shut down, wait up to ``timeout`` seconds, then SIGKILL its group."""
        if self._popen.poll() is None:
            try:
                os.kill(self._popen.pid, self.stop_signal)
                self._popen.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                pass
        # Also reap whatever is left in the group: after a clean exit this finds nothing; after a
        # timeout or a crashed leader it kills the JVM or orphaned PostgreSQL backends.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, signal.SIGKILL)
        self._popen.wait()


def wait_until(
    what: str,
    probe: Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.2,
    process: ManagedProcess | None = None,
) -> None:
    """Poll ``probe`` until it returns True, failing fast if ``process`` dies meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None:
            process.check_alive()
        if probe():
            return
        if time.monotonic() > deadline:
            tail = (
                f"; last lines of {process.log_path}:\n{log_tail(process.log_path)}"
                if process
                else ""
            )
            raise ServiceStartError(f"{what} not ready after {timeout:.0f}s{tail}")
        time.sleep(interval)


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async readiness probe from synchronous code, on a fresh loop in its own thread.

    ``LocalStack.start()`` is synchronous but may be called from inside a running event loop (an
    async pytest fixture), where ``asyncio.run`` is refused. Even outside one, ``asyncio.run`` on
    the caller's thread would reset that thread's current event loop to None afterwards, under
    pytest-asyncio's feet. A short-lived thread keeps the probe's loop entirely to itself.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(factory())
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="devstack-probe", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value
