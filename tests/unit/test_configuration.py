"""Settings are declared once: the docs table, the environment parsing and the redaction come from
the same declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import ConfigError, docs_table
from infra.transport_settings import SHARED
from service.cli import config_lines, main
from service.settings import Settings
from service.tokens.settings import TokenServiceSettings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


@pytest.mark.parametrize("settings", [Settings, TokenServiceSettings, *SHARED.values()])
def test_the_docs_list_every_declared_setting(settings: type) -> None:
    # Regenerate with infra.settings.docs_table when this fails.
    assert docs_table(settings) in DOCS.read_text(encoding="utf-8")


def test_each_service_reads_its_own_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "keks"
    secret_file.write_text("kek-1:secret\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "postgresql://vault:pw@db/vault")
    monkeypatch.setenv("VAULT_TOKEN_KEKS_FILE", str(secret_file))
    monkeypatch.setenv("VAULT_TOKENS_PORT", "9999")
    monkeypatch.setenv("VAULT_LOG_LEVEL", "debug")
    vault, tokens = Settings.from_env(), TokenServiceSettings.from_env()
    assert tokens.keks == "kek-1:secret" and tokens.port == 9999
    assert tokens.database_url == vault.database_url  # falls back to DATABASE_URL
    assert vault.log_level == tokens.log_level == "DEBUG"
    assert not hasattr(vault, "keks") and not hasattr(tokens, "tokens_client_secret")
    monkeypatch.setenv("VAULT_TOKENS_DATABASE_URL", "postgresql://vault_tokens:pw2@db/vault")
    assert TokenServiceSettings.from_env().database_url.startswith("postgresql://vault_tokens")
    monkeypatch.setenv("VAULT_TOKENS_PORT", "eighty")
    with pytest.raises(ConfigError, match="VAULT_TOKENS_PORT"):
        TokenServiceSettings.from_env()


def test_vault_config_prints_both_services_with_secrets_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://vault:hunter2@db/vault")
    monkeypatch.setenv("VAULT_TOKEN_KEKS", "kek-1:c2VjcmV0")
    monkeypatch.setenv("VAULT_TOKENS_CLIENT_SECRET", "T-secret")
    out = "\n".join(config_lines(Settings.from_env(), TokenServiceSettings.from_env()))
    assert "tokens.keks=<redacted>" in out and "tokens_client_secret=<redacted>" in out
    assert "tokens.port=8081" in out and "api_port=8080" in out
    assert "hunter2" not in out and "c2VjcmV0" not in out and "T-secret" not in out


def test_vault_config_prints_the_shared_security_settings_with_secrets_redacted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pepper = tmp_path / "pepper"
    pepper.write_text("p" * 40 + "\n", encoding="utf-8")
    monkeypatch.setenv("VAULT_SECRET_PEPPER_FILE", str(pepper))
    monkeypatch.setenv("VAULT_KAFKA_SASL_PASSWORD", "scram-secret")
    monkeypatch.setenv("VAULT_HTTP_MAX_CONNECTIONS", "17")
    out = config_lines(Settings.from_env(), TokenServiceSettings.from_env())
    assert "auth.secret_pepper=<redacted>" in out and "kafka.sasl_password=<redacted>" in out
    assert "http.max_connections=17" in out and "db.ssl_mode=" in out
    assert not any("p" * 40 in line or "scram-secret" in line for line in out)


def test_a_token_service_client_must_be_bound_to_merchants() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["tokens", "clients", "create", "payments", "--scope", "detokenize"])
    assert exited.value.code == 2
