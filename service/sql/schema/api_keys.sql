-- Merchant API keys (HTTP Basic: key id as user name, secret as password). Only a SHA-256 of the
-- secret is stored: secrets are 256-bit random values we generate, so a slow password hash would
-- add latency to every request without adding resistance to guessing.
-- kind 'server' reaches the whole API; 'single_use' only the single-use-token endpoints.
CREATE TABLE vault.api_keys (
    key_id        text        PRIMARY KEY,
    merchant_id   uuid        NOT NULL REFERENCES vault.merchants (merchant_id),
    kind          text        NOT NULL CHECK (kind IN ('server', 'single_use')),
    secret_sha256 bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);

CREATE INDEX api_keys_by_merchant ON vault.api_keys (merchant_id);
