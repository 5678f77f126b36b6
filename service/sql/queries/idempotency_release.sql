DELETE FROM vault.idempotency_keys
WHERE merchant_id = $1 AND idempotency_key = $2 AND owner = $3 AND response_status IS NULL
