"""A PostgreSQL that accepts only TLS and a Kafka broker with a SASL_SSL (SCRAM-SHA-512, client
certificate required) listener, each in a scratch dir, with a throw-away PKI made by openssl."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.kafka import LocalKafka, cluster_id
from devstack.postgres import LocalPostgres
from devstack.process import ManagedProcess, run_checked, run_coroutine

SCRAM_USER = "vault-relay"
SCRAM_PASSWORD = "scram-password-for-tests"


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(root: Path) -> Pki:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all PEM."""
    root.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
        "-keyout", "ca.key", "-out", "ca.pem", cwd=root,
    )  # fmt: skip
    for name, extensions in (
        ("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        (root / f"{name}.ext").write_text(extensions + "\n")
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=root,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem",
            cwd=root,
        )  # fmt: skip
    return Pki(
        ca=root / "ca.pem",
        server_cert=root / "server.pem",
        server_key=root / "server.key",
        client_cert=root / "client.pem",
        client_key=root / "client.key",
    )


def tls_postgres(root: Path, pki: Pki) -> LocalPostgres:
    """Started, then switched (by a configuration reload) to TLS only: ``hostssl`` lines alone."""
    postgres = LocalPostgres(root, print)
    postgres.launch()
    postgres.wait_ready()
    data = postgres.root / "data"
    for source, target in ((pki.server_cert, "server.crt"), (pki.server_key, "server.key")):
        shutil.copyfile(source, data / target)
        (data / target).chmod(0o600)
        if postgres.os_user is not None:
            shutil.chown(data / target, postgres.os_user, postgres.os_user)
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\n"
        "hostnossl all all 0.0.0.0/0 reject\n"
    )

    async def reload() -> None:
        import asyncpg

        conn = await asyncpg.connect(postgres.url, ssl=False)
        try:
            await conn.execute("SELECT pg_reload_conf()")
        finally:
            await conn.close()

    run_coroutine(reload)
    return postgres


class SaslSslKafka(LocalKafka):
    """The devstack broker plus a SASL_SSL listener (SCRAM-SHA-512, client certificate required);
    the plaintext listener stays for the broker's own readiness probe."""

    def __init__(self, root: Path, pki: Pki) -> None:
        super().__init__(root, print)
        self.pki = pki
        self.secure_port = 0

    @property
    def secure_bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.secure_port}"

    def server_properties(self) -> str:
        base = super().server_properties()
        lines = dict(line.split("=", 1) for line in base.splitlines() if "=" in line)
        p, s = self.port, self.secure_port
        lines["listeners"] += f",SASL_SSL://127.0.0.1:{s}"
        lines["advertised.listeners"] = f"PLAINTEXT://127.0.0.1:{p},SASL_SSL://127.0.0.1:{s}"
        lines["listener.security.protocol.map"] += ",SASL_SSL:SASL_SSL"
        keystore = self.root / "server-keystore.pem"
        keystore.write_text(self.pki.server_key.read_text() + self.pki.server_cert.read_text())
        jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        lines |= {
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": jaas,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.pki.ca),
            "listener.name.sasl_ssl.ssl.client.auth": "required",
        }
        return "".join(f"{key}={value}\n" for key, value in lines.items())

    def launch(self, libs: Path) -> None:
        from devstack.ports import free_ports

        self.root.mkdir(parents=True, exist_ok=True)
        self.port, self.controller_port, self.secure_port = free_ports(3)
        config = self.root / "server.properties"
        config.write_text(self.server_properties())
        log_path = self.root / "kafka.log"
        scram = f"SCRAM-SHA-512=[name={SCRAM_USER},password={SCRAM_PASSWORD}]"
        run_checked(
            "Kafka storage format",
            self._java_cmd(
                libs, "kafka.tools.StorageTool", "format", "-t", cluster_id(), "-c", str(config),
                "--add-scram", scram,
            ),
            log_path,
            cwd=self.root,
        )  # fmt: skip
        self.process = ManagedProcess(
            "kafka", self._java_cmd(libs, "kafka.Kafka", str(config)), log_path, cwd=self.root
        )
