"""Configuration from environment variables. Every variable, its default and meaning is listed in
``docs/configuration.md``; ``vault config`` prints the effective values (secrets redacted)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

from infra.db import PoolSettings


class ConfigError(Exception):
    pass


def _env(name: str, default: str) -> str:
    """A variable's value; ``NAME_FILE`` (a mounted Secret) takes precedence over ``NAME``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


_SECRET_FIELDS = ("personal_data_keks", "token_keks", "tokens_database_url", "tokens_client_secret")


@dataclass(frozen=True)
class Settings:
    database_url: str = "postgresql://vault@127.0.0.1:5432/vault"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    profile_events_topic: str = "customervault.profile-events.v1"
    relay_name: str = ""  # empty: the topic name, so a new topic gets the whole history
    relay_batch_size: int = 500
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    public_base_url: str = ""
    metrics_port: int = 9100
    db_pool_min: int = 2
    db_pool_max: int = 20
    idle_in_transaction_timeout_ms: int = 10_000
    statement_timeout_ms: int = 10_000
    command_max_attempts: int = 8
    shutdown_grace_seconds: float = 20.0
    shutdown_drain_seconds: float = 1.0
    log_level: str = "INFO"
    personal_data_keks: str = field(default="", repr=False)
    # Token service (docs/token-service.md)
    tokens_database_url: str = field(default="", repr=False)  # empty: database_url
    tokens_host: str = "127.0.0.1"
    tokens_port: int = 8081
    tokens_metrics_port: int = 9103
    token_keyring_dir: str = ""
    token_keks: str = field(default="", repr=False)
    token_keyring_reload_seconds: float = 5.0
    token_audit_topic: str = "customervault.token-access.v1"  # noqa: S105 - a topic name
    single_use_ttl_seconds: float = 900.0
    single_use_purge_seconds: float = 15.0
    # How the vault API reaches the token service (a service client with the `tokenize` scope).
    tokens_url: str = "http://127.0.0.1:8081"
    tokens_client_id: str = ""
    tokens_client_secret: str = field(default="", repr=False)
    tokens_timeout_seconds: float = 5.0

    @classmethod
    def from_env(cls) -> Settings:
        d = cls()
        return cls(
            database_url=_env("DATABASE_URL", d.database_url),
            kafka_bootstrap_servers=_env("KAFKA_BOOTSTRAP_SERVERS", d.kafka_bootstrap_servers),
            profile_events_topic=_env("VAULT_PROFILE_EVENTS_TOPIC", d.profile_events_topic),
            relay_name=_env("VAULT_RELAY_NAME", d.relay_name),
            relay_batch_size=_int("VAULT_RELAY_BATCH_SIZE", d.relay_batch_size),
            topic_partitions=_int("VAULT_TOPIC_PARTITIONS", d.topic_partitions),
            topic_replication_factor=_int(
                "VAULT_TOPIC_REPLICATION_FACTOR", d.topic_replication_factor
            ),
            api_host=_env("VAULT_API_HOST", d.api_host),
            api_port=_int("VAULT_API_PORT", d.api_port),
            public_base_url=_env("VAULT_PUBLIC_BASE_URL", d.public_base_url).rstrip("/"),
            metrics_port=_int("VAULT_METRICS_PORT", d.metrics_port),
            db_pool_min=_int("VAULT_DB_POOL_MIN", d.db_pool_min),
            db_pool_max=_int("VAULT_DB_POOL_MAX", d.db_pool_max),
            idle_in_transaction_timeout_ms=_int(
                "VAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS", d.idle_in_transaction_timeout_ms
            ),
            statement_timeout_ms=_int("VAULT_STATEMENT_TIMEOUT_MS", d.statement_timeout_ms),
            command_max_attempts=_int("VAULT_COMMAND_MAX_ATTEMPTS", d.command_max_attempts),
            shutdown_grace_seconds=_float("VAULT_SHUTDOWN_GRACE_SECONDS", d.shutdown_grace_seconds),
            shutdown_drain_seconds=_float("VAULT_SHUTDOWN_DRAIN_SECONDS", d.shutdown_drain_seconds),
            log_level=_env("VAULT_LOG_LEVEL", d.log_level).upper(),
            personal_data_keks=_env("VAULT_PERSONAL_DATA_KEKS", ""),
            tokens_url=_env("VAULT_TOKENS_URL", d.tokens_url).rstrip("/"),
            tokens_client_id=_env("VAULT_TOKENS_CLIENT_ID", ""),
            tokens_client_secret=_env("VAULT_TOKENS_CLIENT_SECRET", ""),
            tokens_timeout_seconds=_float("VAULT_TOKENS_TIMEOUT_SECONDS", d.tokens_timeout_seconds),
            # Token service (docs/token-service.md)
            tokens_database_url=_env("VAULT_TOKENS_DATABASE_URL", ""),
            tokens_host=_env("VAULT_TOKENS_HOST", d.tokens_host),
            tokens_port=_int("VAULT_TOKENS_PORT", d.tokens_port),
            tokens_metrics_port=_int("VAULT_TOKENS_METRICS_PORT", d.tokens_metrics_port),
            token_keyring_dir=_env("VAULT_TOKEN_KEYRING_DIR", ""),
            token_keks=_env("VAULT_TOKEN_KEKS", ""),
            token_keyring_reload_seconds=_float(
                "VAULT_TOKEN_KEYRING_RELOAD_SECONDS", d.token_keyring_reload_seconds
            ),
            token_audit_topic=_env("VAULT_TOKEN_AUDIT_TOPIC", d.token_audit_topic),
            single_use_ttl_seconds=_float("VAULT_SINGLE_USE_TTL_SECONDS", d.single_use_ttl_seconds),
            single_use_purge_seconds=_float(
                "VAULT_SINGLE_USE_PURGE_SECONDS", d.single_use_purge_seconds
            ),
        )

    def pool(self) -> PoolSettings:
        return PoolSettings(
            url=self.database_url,
            min_size=self.db_pool_min,
            max_size=self.db_pool_max,
            idle_in_transaction_timeout_ms=self.idle_in_transaction_timeout_ms,
            statement_timeout_ms=self.statement_timeout_ms,
        )

    def redacted(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            value = str(getattr(self, f.name))
            secret = f.name in ("personal_data_keks", "tokens_client_secret", *_SECRET_FIELDS)
            out[f.name] = "<redacted>" if (secret and value) else _without_password(value)
        return out


def _without_password(value: str) -> str:
    """A URL's password replaced (DATABASE_URL carries one in production)."""
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1<redacted>@", value)
