"""Configuration from environment variables. Every variable, its default and meaning is listed in
``docs/configuration.md``; ``vault config`` prints the effective values (secrets redacted)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path


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
    log_level: str = "INFO"
    personal_data_keks: str = field(default="", repr=False)

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
            log_level=_env("VAULT_LOG_LEVEL", d.log_level).upper(),
            personal_data_keks=_env("VAULT_PERSONAL_DATA_KEKS", ""),
        )

    def redacted(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            value = str(getattr(self, f.name))
            out[f.name] = "<redacted>" if (f.name == "personal_data_keks" and value) else value
        return out
