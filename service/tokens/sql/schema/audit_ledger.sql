-- The access ledger (PCI DSS requirement 10): audit rows are kept for the retention
-- (VAULT_TOKEN_AUDIT_RETENTION_SECONDS) after publication and read back by merchant, token and
-- time, newest first; a client with the `audit` scope reads them.
CREATE INDEX audit_outbox_merchant ON tokens.audit_outbox (record_key, id DESC);
CREATE INDEX audit_outbox_token ON tokens.audit_outbox ((payload ->> 'tokenFingerprint'), id DESC);
CREATE INDEX audit_outbox_age ON tokens.audit_outbox (created_at) WHERE published_at IS NOT NULL;

ALTER TABLE tokens.service_clients DROP CONSTRAINT service_clients_scopes_check;
ALTER TABLE tokens.service_clients ADD CONSTRAINT service_clients_scopes_check CHECK (
    cardinality(scopes) > 0 AND scopes <@ ARRAY['tokenize', 'detokenize', 'keys', 'audit']::text[]
);
