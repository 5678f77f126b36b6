"""The vault's configuration from environment variables, each declared once (``infra.settings``):
``docs/configuration.md`` is checked against these declarations and ``vault config`` prints the
effective values (secrets redacted). The token service has its own (``service/tokens/settings.py``);
the vault keeps only how it reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra import settings as declared
from infra.db import PoolSettings
from infra.settings import ConfigError, setting, trimmed_url, upper

__all__ = ["ConfigError", "Settings"]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}


def duration_seconds(text: str) -> float:
    """``604800``, ``3600s``, ``90m``, ``24h`` or ``7d`` as seconds."""
    text = text.strip().lower()
    unit = _UNITS.get(text[-1:])
    try:
        value = float(text[:-1] if unit else text) * (unit or 1.0)
    except ValueError:
        raise ValueError(f"not a duration: {text!r}") from None
    if value <= 0:
        raise ValueError("must be positive")
    return value


def relay_start(text: str) -> Literal["beginning", "head"]:
    """``beginning`` or ``head`` (any case)."""
    match text.strip().lower():
        case "beginning":
            return "beginning"
        case "head":
            return "head"
    raise ValueError("must be beginning or head")


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "DATABASE_URL", "postgresql://vault@127.0.0.1:5432/vault", "PostgreSQL connection URL"
    )
    kafka_bootstrap_servers: str = setting(
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "Kafka bootstrap servers"
    )
    personal_data_keks: str = setting(
        "VAULT_PERSONAL_DATA_KEKS",
        "",
        "key-encryption keys wrapping the per-profile data keys: `id:base64(32 bytes)[,id:…]`, "
        "the first one active. `vault keys generate` prints one",
        secret=True,
        shown_default="*(required by api, projector, rebuild)*",
    )
    profile_events_topic: str = setting(
        "VAULT_PROFILE_EVENTS_TOPIC",
        "customervault.profile-events.v1",
        "topic the relay publishes to and the projector reads",
    )
    topic_partitions: int = setting(
        "VAULT_TOPIC_PARTITIONS",
        6,
        "partitions when a process creates its topic (production: Strimzi `KafkaTopic`)",
    )
    topic_replication_factor: int = setting(
        "VAULT_TOPIC_REPLICATION_FACTOR", 1, "replication factor when creating a topic"
    )
    relay_name: str = setting(
        "VAULT_RELAY_NAME",
        "",
        "the relay's checkpoint and leader-lock name; a new one starts at `VAULT_RELAY_START`",
        shown_default="the topic name",
    )
    relay_start: Literal["beginning", "head"] = setting(
        "VAULT_RELAY_START",
        "beginning",
        "where a relay name without a checkpoint starts: `beginning` publishes the whole history, "
        "`head` only the events committed from its first start on (a new topic whose consumers "
        "must not receive history); a name with a checkpoint resumes from it either way",
        parse=relay_start,
    )
    relay_batch_size: int = setting(
        "VAULT_RELAY_BATCH_SIZE", 500, "events per read/publish/checkpoint round"
    )
    api_host: str = setting(
        "VAULT_API_HOST", "127.0.0.1", "interface the API binds (`0.0.0.0` in a container)"
    )
    api_port: int = setting("VAULT_API_PORT", 8080, "API port")
    public_base_url: str = setting(
        "VAULT_PUBLIC_BASE_URL",
        "",
        "origin used in `Location` and `existing_entity` links, e.g. `https://vault.example.com`; "
        "when empty they are relative (`/customervault/v1/…`), never built from the client's "
        "`Host` header",
        parse=trimmed_url,
        shown_default="*(empty: relative links)*",
    )
    card_updates_topic: str = setting(
        "VAULT_CARD_UPDATES_TOPIC",
        "customervault.card-updates.v1",
        "topic of card updates from the networks that `vault updater` consumes (it may carry new "
        "card numbers: ACLs and retention in [token-service.md](token-service.md))",
    )
    card_updates_retention_ms: int = setting(
        "VAULT_CARD_UPDATES_RETENTION_MS",
        86_400_000,
        "`retention.ms` the updater sets when it creates the card-updates topic (new numbers must "
        "not linger)",
    )
    metrics_port: int = setting("VAULT_METRICS_PORT", 9100, "`/metrics`, `/healthz`, `/readyz`")
    api_workers: str = setting(
        "VAULT_API_WORKERS",
        "1",
        "`vault api` worker processes sharing `VAULT_API_PORT` (SO_REUSEPORT), or `auto` (one per "
        "core); `--workers` overrides; worker *i* serves its ops endpoints on `VAULT_METRICS_PORT` "
        "+ 10·*i* ([scaling](scaling.md)); `make run` uses the core count, Kubernetes 1 per pod",
    )
    db_pool_min: int = setting("VAULT_DB_POOL_MIN", 2, "smallest connection pool per process")
    db_pool_max: int = setting("VAULT_DB_POOL_MAX", 20, "largest connection pool per process")
    idle_in_transaction_timeout_ms: int = setting(
        "VAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS",
        10_000,
        "a transaction left open holds back the relay (xmin horizon); PostgreSQL ends it after "
        "this",
    )
    statement_timeout_ms: int = setting(
        "VAULT_STATEMENT_TIMEOUT_MS", 10_000, "per-statement timeout"
    )
    command_max_attempts: int = setting(
        "VAULT_COMMAND_MAX_ATTEMPTS",
        8,
        "optimistic-concurrency attempts before answering 409 `7599`",
    )
    shutdown_grace_seconds: float = setting(
        "VAULT_SHUTDOWN_GRACE_SECONDS",
        20.0,
        "graceful-shutdown budget after SIGTERM (keep below the pod's grace period)",
    )
    shutdown_drain_seconds: float = setting(
        "VAULT_SHUTDOWN_DRAIN_SECONDS",
        1.0,
        "after SIGTERM, HTTP processes report NOT_READY but keep serving this long before they "
        "stop accepting, so requests already on their way are not reset",
    )
    idempotency_retention: float = setting(
        "VAULT_IDEMPOTENCY_RETENTION",
        7 * 86_400.0,
        "how long an `Idempotency-Key` and its recorded response are kept: seconds, or a number "
        "with `s`, `m`, `h` or `d` (e.g. `7d`); the API purges older records every "
        "`VAULT_IDEMPOTENCY_PURGE_INTERVAL_SECONDS`, `vault idempotency purge` does it at once",
        parse=duration_seconds,
        shown_default="`7d`",
    )
    idempotency_lease_seconds: float = setting(
        "VAULT_IDEMPOTENCY_LEASE_SECONDS",
        30.0,
        "how long a request's claim on its `Idempotency-Key` holds; retries meanwhile get 409 "
        "`7598`, after it (the process died) a retry takes the key over. Keep above the slowest "
        "command",
    )
    idempotency_purge_interval_seconds: float = setting(
        "VAULT_IDEMPOTENCY_PURGE_INTERVAL_SECONDS",
        3600.0,
        "how often each API process deletes idempotency records older than the retention",
    )
    log_level: str = setting("VAULT_LOG_LEVEL", "INFO", "log level", parse=upper)
    # How the vault API reaches the token service (a service client with the `tokenize` and `reconcile` scopes).
    tokens_url: str = setting(
        "VAULT_TOKENS_URL",
        "http://127.0.0.1:8081",
        "the token service's base URL",
        parse=trimmed_url,
    )
    tokens_client_id: str = setting(
        "VAULT_TOKENS_CLIENT_ID",
        "",
        "the vault API's token-service client (`tokenize`, `reconcile` scopes)",
    )
    tokens_client_secret: str = setting(
        "VAULT_TOKENS_CLIENT_SECRET", "", "that client's secret", secret=True
    )
    tokens_timeout_seconds: float = setting(
        "VAULT_TOKENS_TIMEOUT_SECONDS", 5.0, "timeout of one call to the token service"
    )
    tokenize_deadline_seconds: float = setting(
        "VAULT_TOKENIZE_DEADLINE_SECONDS",
        30.0,
        "longest time from a tokenize to the start of the append that stores its token; later, "
        "the token is destroyed and the request answered 503 ([crash safety](crash-safety.md))",
    )
    token_reconcile_grace_seconds: float = setting(
        "VAULT_TOKEN_RECONCILE_GRACE_SECONDS",
        300.0,
        "age before an unreferenced token-service record counts as an orphan; must exceed "
        "the deadline + `VAULT_TOKENS_TIMEOUT_SECONDS` + the statement timeout",
    )
    token_reconcile_interval_seconds: float = setting(
        "VAULT_TOKEN_RECONCILE_INTERVAL_SECONDS",
        60.0,
        "pause between token reconciliation passes (one active across `vault api` replicas)",
    )

    def __post_init__(self) -> None:
        # A grace shorter than the latest possible append would let reconciliation destroy the
        # token of an instrument still committing (docs/crash-safety.md).
        latest_append = (
            self.tokenize_deadline_seconds
            + self.tokens_timeout_seconds
            + self.statement_timeout_ms / 1000
        )
        if self.token_reconcile_grace_seconds <= latest_append:
            raise ConfigError(
                "VAULT_TOKEN_RECONCILE_GRACE_SECONDS must exceed VAULT_TOKENIZE_DEADLINE_SECONDS "
                "+ VAULT_TOKENS_TIMEOUT_SECONDS + VAULT_STATEMENT_TIMEOUT_MS/1000 "
                f"({latest_append:g} s)"
            )

    @classmethod
    def from_env(cls) -> Settings:
        return declared.from_env(cls)

    def pool(self) -> PoolSettings:
        return PoolSettings(
            url=self.database_url,
            min_size=self.db_pool_min,
            max_size=self.db_pool_max,
            idle_in_transaction_timeout_ms=self.idle_in_transaction_timeout_ms,
            statement_timeout_ms=self.statement_timeout_ms,
        )

    def redacted(self) -> dict[str, str]:
        return declared.redacted(self)
