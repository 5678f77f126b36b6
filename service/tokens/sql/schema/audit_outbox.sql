-- Access-audit events, written in the same transaction as the access they record and published to
-- Kafka by the token service's outbox publisher (marked after Kafka acknowledged them).
CREATE TABLE tokens.audit_outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text        NOT NULL,
    record_key   text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

CREATE INDEX audit_outbox_unpublished ON tokens.audit_outbox (id) WHERE published_at IS NULL;

ALTER TABLE tokens.audit_outbox OWNER TO vault_tokens;
