-- Claim a merchantCustomerId for a profile. No row back means another profile holds it; a concurrent
-- claim of the same id waits here until the other transaction ends.
INSERT INTO vault.merchant_customer_ids (merchant_id, merchant_customer_id, profile_id)
VALUES ($1, $2, $3)
ON CONFLICT (merchant_id, merchant_customer_id) DO NOTHING
RETURNING profile_id;
