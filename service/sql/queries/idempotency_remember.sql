-- Only the claim's current owner may record: a process whose claim was taken over writes nothing
-- and its transaction (the command's events) rolls back.
UPDATE vault.idempotency_keys
SET response_status = $4, response_headers = $5, response_body = $6
WHERE merchant_id = $1 AND idempotency_key = $2 AND owner = $3 AND response_status IS NULL
RETURNING 1
