-- The customer search view, maintained asynchronously by the projector from Kafka. Values are
-- normalised for lookup: e-mail lower-cased, phone numbers reduced to digits, names lower-cased.
CREATE TABLE vault.customer_search (
    profile_id           uuid        PRIMARY KEY,
    merchant_id          uuid        NOT NULL,
    merchant_customer_id text        NOT NULL,
    email                text,
    full_name            text,
    phone_digits         text[]      NOT NULL DEFAULT '{}',
    document             jsonb       NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE INDEX customer_search_by_email ON vault.customer_search (merchant_id, email);
CREATE INDEX customer_search_by_merchant ON vault.customer_search (merchant_id, full_name);
