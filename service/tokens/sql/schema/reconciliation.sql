-- Reconciliation with the vault (docs/crash-safety.md): a `reconcile` scope for the client that
-- lists a merchant's live records and destroys the ones no vault instrument references, and the
-- index that lists them page by page without reading destroyed or single-use records.
ALTER TABLE tokens.service_clients DROP CONSTRAINT service_clients_scopes_check;
ALTER TABLE tokens.service_clients ADD CONSTRAINT service_clients_scopes_check CHECK (
    cardinality(scopes) > 0
    AND scopes <@ ARRAY['tokenize', 'detokenize', 'keys', 'audit', 'reconcile']::text[]
);

CREATE INDEX instruments_live_by_merchant ON tokens.instruments (merchant_id, token)
    WHERE NOT single_use AND deleted_at IS NULL;
