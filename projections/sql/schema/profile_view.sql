-- The profile view: one row per live profile, answering every GET of the Paysafe API. Written inline,
-- in the same transaction as the command's events, so a read right after a write sees it.
-- ``document`` holds the Paysafe Profile resource without its sub-collections.
CREATE TABLE vault.profile_view (
    profile_id           uuid        PRIMARY KEY,
    merchant_id          uuid        NOT NULL,
    merchant_customer_id text        NOT NULL,
    payment_token        text        NOT NULL,
    stream_version       integer     NOT NULL,
    document             jsonb       NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE INDEX profile_view_by_merchant_customer_id
    ON vault.profile_view (merchant_id, merchant_customer_id);
