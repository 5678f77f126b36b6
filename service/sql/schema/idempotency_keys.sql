-- Idempotency-Key records (docs/api.md "Idempotent commands"). A row is first an in-flight claim
-- (response_status NULL) with a lease, written in its own short transaction before the work starts;
-- the response is filled in by the transaction that appends the command's events, so "applied" and
-- "remembered" commit together. A claim whose lease ran out (its process died) can be taken over.
CREATE TABLE vault.idempotency_keys (
    merchant_id      uuid        NOT NULL,
    idempotency_key  text        NOT NULL,
    fingerprint      bytea       NOT NULL,
    owner            uuid        NOT NULL,
    lease_until      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    response_status  integer,
    response_headers jsonb,
    response_body    bytea,
    PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON vault.idempotency_keys (created_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON vault.idempotency_keys TO vault_app;
