-- Credentials of the token service's callers (the vault API, payment services). HTTP Basic with the
-- client id as user name; only a SHA-256 of the secret (256 random bits we generate) is stored.
-- Merchant API keys (vault.api_keys) are a different table and never reach this service.
CREATE TABLE tokens.service_clients (
    client_id     text        PRIMARY KEY,
    name          text        NOT NULL,
    scopes        text[]      NOT NULL CHECK (
        cardinality(scopes) > 0 AND scopes <@ ARRAY['tokenize', 'detokenize', 'keys']::text[]
    ),
    secret_sha256 bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);

ALTER TABLE tokens.service_clients OWNER TO vault_tokens;
