"""The token service's configuration, each setting declared once (``infra.settings``). It holds
the token service's own secrets only (its database, its KEKs); the vault's live in
``service/settings.py``."""

from __future__ import annotations

from dataclasses import dataclass

from infra import settings as declared
from infra.settings import setting, upper


@dataclass(frozen=True)
class TokenServiceSettings:
    database_url: str = setting(
        "VAULT_TOKENS_DATABASE_URL",
        "postgresql://vault@127.0.0.1:5432/vault",
        "the token service's connection URL; in production the `vault_tokens` role (LOGIN + "
        "password from a Secret)",
        also=("DATABASE_URL",),
        shown_default="`DATABASE_URL`",
    )
    kafka_bootstrap_servers: str = setting(
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "Kafka bootstrap servers"
    )
    host: str = setting(
        "VAULT_TOKENS_HOST",
        "127.0.0.1",
        "interface the token service binds (`0.0.0.0` in a container)",
    )
    port: int = setting("VAULT_TOKENS_PORT", 8081, "token service port")
    metrics_port: int = setting(
        "VAULT_TOKENS_METRICS_PORT", 9103, "the token service's `/metrics`, `/healthz`, `/readyz`"
    )
    workers: str = setting(
        "VAULT_TOKENS_WORKERS",
        "1",
        "`vault tokens` worker processes sharing `VAULT_TOKENS_PORT` (SO_REUSEPORT), or `auto` (one "
        "per core); `--workers` overrides; worker *i* serves its ops endpoints on "
        "`VAULT_TOKENS_METRICS_PORT` + 10·*i* ([scaling](scaling.md))",
    )
    keyring_dir: str = setting(
        "VAULT_TOKEN_KEYRING_DIR",
        "",
        "directory of `<kek-id>.key` files (base64 of 32 bytes) and an `active` file; required "
        "by `vault keys rotate/rewrap/retire`",
    )
    keks: str = setting(
        "VAULT_TOKEN_KEKS",
        "",
        "when there is no keyring dir: `id:base64(32 bytes)[,id:…]`, the first active (cannot be "
        "rotated by the CLI)",
        secret=True,
    )
    keyring_reload_seconds: float = setting(
        "VAULT_TOKEN_KEYRING_RELOAD_SECONDS",
        5.0,
        "how often the running service re-reads the keyring dir (also at once on an unknown KEK "
        "id); `retire` waits twice this after a rotation",
    )
    audit_topic: str = setting(
        "VAULT_TOKEN_AUDIT_TOPIC",
        "customervault.token-access.v1",
        "Kafka topic of access-audit events",
    )
    audit_retention_seconds: float = setting(
        "VAULT_TOKEN_AUDIT_RETENTION_SECONDS",
        365 * 24 * 3600.0,
        "how long access-audit rows stay readable at `GET /tokens/v1/audit` (PCI DSS 10.5.1: a "
        "year); published rows older than this are purged by the audit publisher",
    )
    topic_partitions: int = setting(
        "VAULT_TOPIC_PARTITIONS", 6, "partitions when the service creates its audit topic"
    )
    topic_replication_factor: int = setting(
        "VAULT_TOPIC_REPLICATION_FACTOR", 1, "replication factor when creating the audit topic"
    )
    single_use_ttl_seconds: float = setting(
        "VAULT_SINGLE_USE_TTL_SECONDS", 900.0, "lifetime of single-use card tokens"
    )
    single_use_purge_seconds: float = setting(
        "VAULT_SINGLE_USE_PURGE_SECONDS",
        15.0,
        "how often expired single-use records (and their CVV) are destroyed",
    )
    client_cache_seconds: float = setting(
        "VAULT_TOKENS_CLIENT_CACHE_SECONDS",
        30.0,
        "how long a replica trusts what it read about a service client: a revoked client or a "
        "changed merchant binding takes effect on every replica within this time",
    )
    db_pool_max: int = setting("VAULT_DB_POOL_MAX", 20, "largest connection pool")
    idle_in_transaction_timeout_ms: int = setting(
        "VAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10_000, "PostgreSQL ends a transaction left open"
    )
    statement_timeout_ms: int = setting(
        "VAULT_STATEMENT_TIMEOUT_MS", 10_000, "per-statement timeout"
    )
    shutdown_grace_seconds: float = setting(
        "VAULT_SHUTDOWN_GRACE_SECONDS", 20.0, "graceful-shutdown budget after SIGTERM"
    )
    shutdown_drain_seconds: float = setting(
        "VAULT_SHUTDOWN_DRAIN_SECONDS", 1.0, "NOT_READY but serving this long after SIGTERM"
    )
    log_level: str = setting("VAULT_LOG_LEVEL", "INFO", "log level", parse=upper)

    @classmethod
    def from_env(cls) -> TokenServiceSettings:
        return declared.from_env(cls)

    def redacted(self) -> dict[str, str]:
        return declared.redacted(self)
