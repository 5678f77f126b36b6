"""Prometheus metrics of the token service (HTTP latency uses service.application.metrics' histogram)."""

from prometheus_client import Counter, Gauge

TOKENIZED = Counter("vault_token_tokenized", "Instruments tokenized", ["kind", "single_use"])
UPDATED = Counter("vault_token_updated", "Instrument records updated", ["kind"])
REVEALED = Counter("vault_token_revealed", "Instruments revealed (detokenized)", ["kind"])
REFUSED = Counter("vault_token_refused", "Resolutions refused", ["kind", "reason"])
DELETED = Counter("vault_token_deleted", "Instrument records destroyed", ["kind", "reason"])
DECRYPT_FAILURES = Counter(
    "vault_token_decrypt_failures", "Records whose ciphertext or wrapped key failed to decrypt"
)
AUDIT_UNPUBLISHED = Gauge(
    "vault_token_audit_outbox_unpublished", "Audit events written but not yet acknowledged by Kafka"
)
AUDIT_LAG = Gauge(
    "vault_token_audit_outbox_lag_seconds", "Age of the oldest unpublished audit event"
)
AUDIT_PUBLISHED = Counter("vault_token_audit_published", "Audit events published to Kafka")
SINGLE_USE_PURGED = Counter(
    "vault_token_single_use_purged", "Expired single-use records destroyed by the purge task"
)
