-- Merchants (tenants). Every profile, key and token belongs to exactly one.
CREATE TABLE vault.merchants (
    merchant_id uuid        PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
