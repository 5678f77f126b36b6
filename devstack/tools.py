"""What `make test` needs beyond the virtualenv, checked or obtained by `make test` itself.

Two kinds, kept apart on purpose:

- **Prerequisites** a user must have beforehand (README, "Quick start"): the PostgreSQL server
  binaries, a JDK and Maven (for the Kafka broker jars), kubectl with its built-in kustomize (the
  manifests' tests render with it). They are only checked, each with a message that says what to
  install: installing a database server or a JDK behind a user's back is not a test runner's call.
- **Tools obtained here** from Debian's packages, so a fresh machine needs no hand install:
  ``promtool`` (package ``prometheus``, a static Go binary) is unpacked from the downloaded package
  into the cache (``<cache>/prometheus-<version>``), which needs neither root nor a system change
  and never starts the packaged Prometheus service; ``wrk`` (the bench's load generator, linked
  against LuaJIT) is installed with apt-get, as root or through password-less sudo.

An install step that lived only in CI (``.ci/run`` installed promtool) hid the gap from every user:
`make test` now runs ``python -m devstack fetch-tools`` first, and CI runs nothing else.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devstack.kafka import cache_root
from devstack.postgres import find_bindir
from devstack.process import Log, ServiceStartError


@dataclass(frozen=True)
class Prerequisite:
    command: str
    what: str


KUBECTL = Prerequisite(
    "kubectl", "kubectl 1.27+ with its built-in kustomize (kubernetes.io/docs/tasks/tools)"
)
KAFKA_BUILD = (
    Prerequisite("java", "a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)"),
    Prerequisite("mvn", "Maven 3.8+ (Debian: apt-get install maven)"),
)


def missing_prerequisites() -> list[str]:
    """One line per prerequisite that is not there, saying what to install. A service given by
    address (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS: devstack's first choice) needs no binaries."""
    wanted = [KUBECTL]
    if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        wanted.extend(KAFKA_BUILD)
    missing = [f"{p.command}: {p.what}" for p in wanted if shutil.which(p.command) is None]
    if not os.environ.get("DATABASE_URL"):
        try:
            find_bindir()
        except ServiceStartError as exc:
            missing.append(f"initdb/postgres: {exc}")
    return missing


def promtool() -> str | None:
    """promtool on PATH, else the one unpacked into the cache by :func:`fetch_promtool`."""
    on_path = shutil.which("promtool")
    if on_path is not None:
        return on_path
    unpacked = sorted(cache_root().glob("prometheus-*/usr/bin/promtool"))
    return str(unpacked[-1]) if unpacked else None


def _privileged() -> list[str] | None:
    """The prefix that runs apt-get as root: none when we are root, ``sudo -n`` when it needs no
    password, None when neither is possible."""
    if os.geteuid() == 0:
        return []
    if (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0
    ):
        return ["sudo", "-n"]
    return None


def _apt(
    args: list[str], *, cwd: Path | None = None, root: bool = False
) -> subprocess.CompletedProcess[str]:
    prefix: list[str] = []
    if root:
        found = _privileged()
        if found is None:
            raise ServiceStartError(f"apt-get {' '.join(args)} needs root or password-less sudo")
        prefix = found
    return subprocess.run(
        [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _apt_update(log: Log) -> None:
    log("refreshing Debian's package lists (apt-get update)…")
    done = _apt(["update", "-qq"], root=True)
    if done.returncode != 0:
        raise ServiceStartError(f"apt-get update failed:\n{done.stderr[-2000:]}")


def fetch_promtool(log: Log = print) -> str:
    """promtool's path, unpacking Debian's ``prometheus`` package into the cache when it is on
    neither PATH nor there yet. The lock serialises concurrent first runs."""
    found = promtool()
    if found is not None:
        return found
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise ServiceStartError(
            "promtool is needed (Prometheus's tool): install Prometheus 2.x so promtool is on PATH"
        )
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".prometheus.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = promtool()
        if found is not None:
            return found
        log("fetching promtool from Debian's prometheus package (first run only)…")
        with tempfile.TemporaryDirectory(dir=root) as scratch:
            work = Path(scratch)
            downloaded = _apt(["download", "-qq", "prometheus"], cwd=work)
            if downloaded.returncode != 0:  # package lists missing or stale on a fresh machine
                _apt_update(log)
                downloaded = _apt(["download", "-qq", "prometheus"], cwd=work)
            debs = sorted(work.glob("prometheus_*.deb"))
            if downloaded.returncode != 0 or not debs:
                raise ServiceStartError(
                    f"apt-get download prometheus failed:\n{downloaded.stderr[-2000:]}"
                )
            version = debs[0].name.split("_")[1].replace(":", "-")
            unpacked = work / "unpacked"
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True, timeout=300)
            # Renamed into place last: a half-unpacked tree is never taken for a finished one.
            target = root / f"prometheus-{version}"
            shutil.rmtree(target, ignore_errors=True)
            unpacked.rename(target)
        found = promtool()
        if found is None:
            raise ServiceStartError("the prometheus package held no usr/bin/promtool")
        log(f"promtool unpacked at {found}")
        return found


def ensure_installed(command: str, package: str, log: Log = print) -> str:
    """``command``'s path, installing Debian's ``package`` with apt-get when it is missing."""
    found = shutil.which(command)
    if found is not None:
        return found
    if _privileged() is None or shutil.which("apt-get") is None:
        raise ServiceStartError(
            f"{command} is needed: install the Debian package {package} "
            f"(sudo apt-get install -y {package}) or put {command} on PATH"
        )
    log(f"installing {package} with apt-get (first run only)…")
    args = ["install", "-y", "-qq", "--no-install-recommends", package]
    if _apt(args, root=True).returncode != 0:
        _apt_update(log)
        done = _apt(args, root=True)
        if done.returncode != 0:
            raise ServiceStartError(f"apt-get install {package} failed:\n{done.stderr[-2000:]}")
    found = shutil.which(command)
    if found is None:
        raise ServiceStartError(f"the package {package} installed no {command}")
    return found


def fetch_tools(log: Log = print) -> None:
    """Check the prerequisites, then obtain what `make test` may obtain itself."""
    missing = missing_prerequisites()
    if missing:
        raise ServiceStartError(
            "missing prerequisites (README, Quick start):\n  " + "\n  ".join(missing)
        )
    log(f"promtool: {fetch_promtool(log)}")
    log(f"wrk: {ensure_installed('wrk', 'wrk', log)}")
