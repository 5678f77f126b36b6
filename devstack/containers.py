"""The Docker path: PostgreSQL and Kafka in containers via testcontainers.

Only taken when a Docker engine answers. testcontainers is imported lazily so that machines
without Docker (or without the package) never pay for it.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import tarfile
import time
from typing import Any
from urllib.parse import urlsplit

from devstack.kafka import broker_answers, cluster_id, kafka_version
from devstack.process import ServiceStartError, wait_until

POSTGRES_IMAGE = "postgres:15"
_KAFKA_PORT = 9092
# Paths inside the Kafka container (not on this machine).
_START_SCRIPT = "/tmp/devstack_start.sh"  # noqa: S108
_START_FLAG = "/tmp/devstack_start.ready"  # noqa: S108


def docker_available(timeout: float = 3.0) -> bool:
    """True if a Docker engine answers; fast (and never hangs) when there is none.

    Looks for the engine where testcontainers will (its host lookup covers DOCKER_HOST,
    ~/.testcontainers.properties and the current docker context) and sends the engine API's
    ``/_ping`` over a plain socket. The Docker SDK is not used for this because, with no engine,
    it leaks its sockets (ResourceWarning, an error under this project's pytest settings).
    Without testcontainers there is no Docker path at all.
    """
    if not testcontainers_installed():
        return False
    try:
        from testcontainers.core.docker_client import get_docker_host

        host = get_docker_host() or ""
    except Exception:  # older testcontainers or an unreadable docker context
        host = os.environ.get("DOCKER_HOST", "")
    return _engine_pings(host or "unix:///var/run/docker.sock", timeout)


def _engine_pings(host: str, timeout: float) -> bool:
    url = urlsplit(host)
    try:
        if url.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            with sock:
                sock.connect(url.path)
                return _ping(sock)
        if url.scheme in ("tcp", "http") and not os.environ.get("DOCKER_TLS_VERIFY"):
            with socket.create_connection((url.hostname or "", url.port or 2375), timeout) as sock:
                sock.settimeout(timeout)
                return _ping(sock)
    except OSError:
        return False
    # ssh://, TLS, named pipes: no cheap probe; let testcontainers try (and report) itself.
    return True


def _ping(sock: socket.socket) -> bool:
    sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    status = sock.recv(64).split(b"\r\n", 1)[0]
    return status.startswith(b"HTTP/") and b" 200" in status


def testcontainers_installed() -> bool:
    try:
        import testcontainers  # noqa: F401
    except ImportError:
        return False
    return True


class PostgresInDocker:
    def __init__(self) -> None:
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:  # testcontainers < 4.15 keeps modules at the top level
            from testcontainers.postgres import PostgresContainer

        # driver=None gives a plain postgresql:// URL (the default adds "+psycopg2"). The
        # password only guards a throwaway container bound to a random local port.
        self.container: Any = PostgresContainer(
            POSTGRES_IMAGE,
            username="vault",
            password="vault",  # noqa: S106
            dbname="vault",
            driver=None,
        )
        _start(self.container)
        self.url: str = self.container.get_connection_url()

    def stop(self) -> None:
        self.container.stop()


def _start(container: Any) -> None:
    """Start a container, removing it again if start-up fails half-way."""
    try:
        container.start()
    except BaseException:
        # It may never have been created; the start error is what matters.
        with contextlib.suppress(Exception):
            container.stop()
        raise


class KafkaInDocker:
    """apache/kafka in KRaft mode (the image's default: one combined broker+controller).

    testcontainers-python's KafkaContainer only drives Confluent images, so this uses a generic
    container the way testcontainers-java's apache KafkaContainer does: the advertised listener
    must name the host port Docker mapped, which is known only once the container exists, so the
    container waits for a start script that we copy in after it started.
    """

    def __init__(self) -> None:
        from testcontainers.core.container import DockerContainer

        container: Any = DockerContainer(f"apache/kafka:{kafka_version()}")
        container.with_exposed_ports(_KAFKA_PORT)
        env = {
            "CLUSTER_ID": cluster_id(),
            "KAFKA_NODE_ID": "1",
            "KAFKA_PROCESS_ROLES": "broker,controller",
            "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9094",
            "KAFKA_LISTENERS": "PLAINTEXT://:9092,BROKER://:9093,CONTROLLER://:9094",
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": (
                "BROKER:PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
            ),
            "KAFKA_INTER_BROKER_LISTENER_NAME": "BROKER",
            "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
            "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
            "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "5",
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
            "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
            "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
            "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
            "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        }
        for key, value in env.items():
            container.with_env(key, value)
        container.with_command(
            [
                "sh",
                "-c",
                f"while [ ! -f {_START_FLAG} ]; do sleep 0.1; done; exec sh {_START_SCRIPT}",
            ]
        )
        self.container = container
        _start(container)
        try:
            self._configure_and_wait()
        except BaseException:
            container.stop()
            raise

    def _configure_and_wait(self) -> None:
        container = self.container
        host = container.get_container_host_ip()
        port = container.get_exposed_port(_KAFKA_PORT)
        self.bootstrap_servers = f"{host}:{port}"
        script = (
            f"export KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://{self.bootstrap_servers},BROKER://$(hostname):9093\n"
            "exec /etc/kafka/docker/run\n"
        )
        self._copy_in({_START_SCRIPT: script, _START_FLAG: ""})
        try:
            wait_until(
                "kafka container", lambda: broker_answers(self.bootstrap_servers), timeout=120
            )
        except ServiceStartError as exc:
            logs = container.get_wrapped_container().logs(tail=40).decode(errors="replace")
            raise ServiceStartError(f"{exc}; container log:\n{logs}") from exc

    def _copy_in(self, files: dict[str, str]) -> None:
        # One archive, flag last: the waiting shell only proceeds once the script is complete.
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name=path.lstrip("/"))
                info.size = len(data)
                info.mode = 0o755
                info.mtime = int(time.time())
                tar.addfile(info, io.BytesIO(data))
        self.container.get_wrapped_container().put_archive("/", buffer.getvalue())

    def stop(self) -> None:
        self.container.stop()
