-- merchantCustomerId is unique per merchant (Paysafe 7505). The row is written in the command's
-- transaction, so two concurrent creates with the same id cannot both commit.
CREATE TABLE vault.merchant_customer_ids (
    merchant_id          uuid NOT NULL,
    merchant_customer_id text NOT NULL,
    profile_id           uuid NOT NULL UNIQUE,
    PRIMARY KEY (merchant_id, merchant_customer_id)
);
