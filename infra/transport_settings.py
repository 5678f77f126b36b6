"""The security and transport settings both services share, declared once (``infra.settings``):
the HTTP edge, authentication limits and secret storage, TLS to PostgreSQL, TLS and SASL to Kafka.
``vault config`` prints them (secrets redacted) and docs/configuration.md's tables are generated
from these declarations ([security](../docs/security.md))."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from infra import settings as declared
from infra.settings import setting, upper


@dataclass(frozen=True)
class HttpEdgeSettings:
    idle_timeout_seconds: float = setting(
        "VAULT_HTTP_IDLE_TIMEOUT_SECONDS",
        15.0,
        "an idle keep-alive connection, or one whose request headers are not complete this long "
        "after it opened (or after the last answer), is closed",
    )
    body_timeout_seconds: float = setting(
        "VAULT_HTTP_BODY_TIMEOUT_SECONDS",
        10.0,
        "a request body not received within this is answered 408 (`5023`) and the connection "
        "closed",
    )
    max_connections: int = setting(
        "VAULT_HTTP_MAX_CONNECTIONS",
        1000,
        "open connections per listener; more are answered 503 (`1000`) and closed",
    )
    metrics_host: str = setting(
        "VAULT_METRICS_HOST",
        "127.0.0.1",
        "interface of the ops port (`/metrics`, `/healthz`, `/readyz`, no authentication); the "
        "Kubernetes base sets `0.0.0.0` so the kubelet and Prometheus reach the pod IP, and a "
        "NetworkPolicy admits only the `monitoring` namespace",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HttpEdgeSettings:
        return declared.from_env(cls, environ)


@dataclass(frozen=True)
class AuthSettings:
    window_seconds: float = setting(
        "VAULT_AUTH_WINDOW_SECONDS",
        60.0,
        "length of the fixed window failed authentications are counted in; the token service "
        "also writes its failed-login audit records once per window",
    )
    max_failures_per_source: int = setting(
        "VAULT_AUTH_MAX_FAILURES_PER_SOURCE",
        20,
        "failures from one client address per window before it is answered 429 (`5599`, "
        "`Retry-After`) until the window ends; `0` = no limit",
    )
    max_failures_per_key: int = setting(
        "VAULT_AUTH_MAX_FAILURES_PER_KEY",
        50,
        "failures for one key id / client id per window before that id is answered 429, whoever "
        "asks; `0` = no limit",
    )
    cache_seconds: float = setting(
        "VAULT_AUTH_CACHE_SECONDS",
        30.0,
        "how long a vault replica caches a key id's row (known or unknown): a revoked key "
        "(`vault merchants revoke`) is refused everywhere within this",
    )
    trusted_proxies: str = setting(
        "VAULT_TRUSTED_PROXIES",
        "",
        "comma-separated CIDRs of proxies (the ingress controller's pods) whose `X-Forwarded-For` "
        "is believed: failures are then counted against the nearest forwarded address that is "
        "not a trusted proxy, not against the proxy",
    )
    secret_pepper: str = setting(
        "VAULT_SECRET_PEPPER",
        "",
        "at least 32 random characters kept outside the database (`_FILE`: a mounted Secret); "
        "API-key and client secrets are then stored as HMAC-SHA256(pepper, SHA-256(secret)); "
        "`vault merchants pepper` and `vault tokens clients pepper` convert existing digests",
        secret=True,
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthSettings:
        return declared.from_env(cls, environ)


@dataclass(frozen=True)
class DatabaseTlsSettings:
    ssl_mode: str = setting(
        "VAULT_DB_SSLMODE",
        "",
        "`disable`, `require` (encrypted, unverified), `verify-ca`, `verify-full` (chain and "
        "host name); empty: as `DATABASE_URL` says",
    )
    ssl_root_cert: str = setting(
        "VAULT_DB_SSLROOTCERT",
        "",
        "CA file the server certificate must chain to (CloudNativePG: `ca.crt` of the "
        "`<cluster>-ca` Secret); empty: the system store",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DatabaseTlsSettings:
        return declared.from_env(cls, environ)


@dataclass(frozen=True)
class KafkaSecuritySettings:
    security_protocol: str = setting(
        "VAULT_KAFKA_SECURITY_PROTOCOL",
        "PLAINTEXT",
        "`PLAINTEXT`, `SSL` (TLS, optionally with a client certificate) or `SASL_SSL`",
        parse=upper,
    )
    sasl_mechanism: str = setting(
        "VAULT_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "or `SCRAM-SHA-256`", parse=upper
    )
    sasl_username: str = setting(
        "VAULT_KAFKA_SASL_USERNAME", "", "SCRAM user (Strimzi: the `KafkaUser` name)"
    )
    sasl_password: str = setting(
        "VAULT_KAFKA_SASL_PASSWORD",
        "",
        "its password (Strimzi: `password` in the user's Secret)",
        secret=True,
    )
    ssl_cafile: str = setting(
        "VAULT_KAFKA_SSL_CAFILE",
        "",
        "CA of the brokers' certificates (Strimzi: `ca.crt` of `<cluster>-cluster-ca-cert`); "
        "empty: the system store",
    )
    ssl_certfile: str = setting(
        "VAULT_KAFKA_SSL_CERTFILE",
        "",
        "client certificate for mutual TLS (Strimzi: `user.crt` of a `tls` KafkaUser)",
    )
    ssl_keyfile: str = setting(
        "VAULT_KAFKA_SSL_KEYFILE", "", "its private key (Strimzi: `user.key`)"
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KafkaSecuritySettings:
        return declared.from_env(cls, environ)


SHARED: dict[str, type] = {
    "http": HttpEdgeSettings,
    "auth": AuthSettings,
    "db": DatabaseTlsSettings,
    "kafka": KafkaSecuritySettings,
}
"""Each concern's settings under the name ``vault config`` prints them with, in the order
docs/configuration.md lists them."""
