SELECT fingerprint, response_status, response_headers, response_body
FROM vault.idempotency_keys
WHERE merchant_id = $1 AND idempotency_key = $2
