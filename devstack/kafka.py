"""A real Apache Kafka broker (KRaft, one combined broker+controller node) run from Maven jars.

Used when neither ``KAFKA_BOOTSTRAP_SERVERS`` nor a Docker engine is available. Kafka is not
packaged for pip or the OS, but its jars are published to the Maven repository; the
``kafka/pom.xml`` next to this module resolves the broker's runtime classpath into a cache
directory once per machine, and every later start reuses it.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path

from devstack.ports import LOOPBACK, free_ports, port_is_open
from devstack.process import (
    Log,
    ManagedProcess,
    ServiceStartError,
    run_checked,
    run_coroutine,
    wait_until,
)

DEFAULT_KAFKA_VERSION = "4.1.1"
RESOURCES = Path(__file__).resolve().parent / "kafka"
POM = RESOURCES / "pom.xml"
LOG4J_CONFIG = RESOURCES / "log4j2.properties"
_MARKER = "fetch-complete"

# -Xmx512m: the default heap (1/4 of RAM) is far more than a test broker needs.
# -XX:TieredStopAtLevel=1 (C1 JIT only) and SerialGC shorten start-up and CPU use on small CI
# machines; throughput of a broker serving a test suite is irrelevant.
JAVA_OPTS = [
    "-Xmx512m",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-Djava.awt.headless=true",
]


def kafka_version() -> str:
    return os.environ.get("VAULT_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION


def cache_root() -> Path:
    configured = os.environ.get("VAULT_CACHE_DIR")
    return (
        Path(configured).expanduser() if configured else Path.home() / ".cache" / "customer-vault"
    )


def _fetch_fingerprint(version: str) -> str:
    # A changed pom (e.g. a log4j bump) or version invalidates the cached classpath.
    return f"{version} {hashlib.sha256(POM.read_bytes()).hexdigest()}\n"


def fetch_kafka(version: str | None = None, log: Log = print) -> Path:
    """Return the directory of broker jars for ``version``, fetching them with Maven if needed.

    The jars land in ``<cache>/kafka-<version>/libs``; a marker file written last says the fetch
    finished, so an interrupted fetch is redone. Maven's own local repository stays at its default
    (~/.m2) so it is shared with other builds. A file lock serialises concurrent first runs.
    """
    version = version or kafka_version()
    home = cache_root() / f"kafka-{version}"
    libs = home / "libs"
    marker = home / _MARKER
    fingerprint = _fetch_fingerprint(version)
    if _fetch_done(marker, fingerprint):
        return libs

    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _fetch_done(marker, fingerprint):  # another process fetched while we waited
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ServiceStartError("Maven (mvn) is needed once to fetch the Kafka broker jars")
        log(f"fetching Kafka {version} jars with Maven (first run only)…")
        started = time.monotonic()
        marker.unlink(missing_ok=True)
        partial = home / "libs.partial"
        for stale in (libs, partial):
            shutil.rmtree(stale, ignore_errors=True)
        # Maven writes target/ next to the pom: build from a copy in the cache, not in the clone.
        build = home / "build"
        build.mkdir(exist_ok=True)
        shutil.copyfile(POM, build / "pom.xml")
        fetch_log = home / "fetch.log"
        fetch_log.unlink(missing_ok=True)
        run_checked(
            "Maven fetch of the Kafka jars",
            [
                mvn,
                "-B",
                "-ntp",
                "package",
                f"-Dkafka.version={version}",
                f"-Dlibs.dir={partial}",
            ],
            fetch_log,
            cwd=build,
            timeout=1800,
        )
        partial.rename(libs)
        marker.write_text(fingerprint)
        jars = len(list(libs.glob("*.jar")))
        log(f"fetched {jars} Kafka jars into {libs} in {time.monotonic() - started:.1f}s")
    return libs


def _fetch_done(marker: Path, fingerprint: str) -> bool:
    try:
        return marker.read_text() == fingerprint
    except OSError:
        return False


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise ServiceStartError("Java 17+ is needed to run the local Kafka broker (set JAVA_HOME)")
    return found


def cluster_id() -> str:
    """A random KRaft cluster id in Kafka's Uuid text form (URL-safe base64 of 16 bytes).

    Same format as ``StorageTool random-uuid`` prints, without paying for a second JVM start.
    Kafka's own generator avoids ids starting with "-" (they look like CLI flags); so do we.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


class LocalKafka:
    """One KRaft broker+controller in ``root`` listening on 127.0.0.1."""

    def __init__(self, root: Path, log: Log) -> None:
        self.root = root
        self.log = log
        self.port = 0
        self.controller_port = 0
        self.process: ManagedProcess | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def server_properties(self) -> str:
        p, c = self.port, self.controller_port
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            # A static single voter: formatting needs no --standalone and no dynamic quorum.
            "controller.quorum.voters": f"1@{LOOPBACK}:{c}",
            "listeners": f"PLAINTEXT://{LOOPBACK}:{p},CONTROLLER://{LOOPBACK}:{c}",
            "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{p}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.root / "data"),
            # The app creates its topics explicitly; a typo must fail instead of making a topic.
            "auto.create.topics.enable": "false",
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            # One node: internal topics cannot have more than one replica.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # Fewer internal partitions: __consumer_offsets is created on the first group join,
            # and 50 partitions (the default) take seconds to create on a small machine.
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.num.partitions": "5",
            # Consumers in tests join a group once; don't make every first join wait 3 s.
            "group.initial.rebalance.delay.ms": "0",
        }
        return "".join(f"{key}={value}\n" for key, value in settings.items())

    def _java_cmd(self, libs: Path, *args: str) -> list[str]:
        return [
            _java(),
            *JAVA_OPTS,
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def launch(self, libs: Path) -> None:
        """Format the storage and start the broker; returns without waiting (see wait_ready)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.port, self.controller_port = free_ports(2)
        config = self.root / "server.properties"
        config.write_text(self.server_properties())
        log_path = self.root / "kafka.log"
        env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_OPTS", "KAFKA_HEAP_OPTS")}
        run_checked(
            "Kafka storage format",
            self._java_cmd(
                libs, "kafka.tools.StorageTool", "format", "-t", cluster_id(), "-c", str(config)
            ),
            log_path,
            cwd=self.root,
            env=env,
        )
        self.process = ManagedProcess(
            "kafka",
            self._java_cmd(libs, "kafka.Kafka", str(config)),
            log_path,
            cwd=self.root,
            env=env,
        )

    def wait_ready(self, timeout: float = 120.0) -> str:
        """Wait until the broker answers a metadata request; return the bootstrap servers."""
        assert self.process is not None, "launch() first"
        wait_until("kafka", lambda: port_is_open(self.port), timeout=timeout, process=self.process)
        wait_until(
            "kafka",
            lambda: broker_answers(self.bootstrap_servers),
            timeout=timeout,
            process=self.process,
        )
        return self.bootstrap_servers

    def stop(self) -> None:
        if self.process is not None:
            # SIGTERM runs the broker's orderly shutdown (a few seconds for one node).
            self.process.stop(timeout=30.0)


def broker_answers(bootstrap_servers: str) -> bool:
    """True once a broker at ``bootstrap_servers`` answers metadata and lists itself."""

    async def probe() -> bool:
        from aiokafka.admin import AIOKafkaAdminClient
        from aiokafka.errors import KafkaError

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            await admin.start()
            cluster = await admin.describe_cluster()
            return bool(cluster.get("brokers"))
        except (KafkaError, OSError, TimeoutError):
            return False
        finally:
            await admin.close()

    return run_coroutine(probe)
