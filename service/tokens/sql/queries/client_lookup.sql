-- Always exactly one row (NULLs for an unknown or revoked client id), so both answers cost the same.
SELECT c.scopes, c.secret_sha256, c.secret_peppered, c.all_merchants,
       coalesce(array_agg(m.merchant_id) FILTER (WHERE m.merchant_id IS NOT NULL), '{}') AS merchants
FROM (VALUES ($1::text)) AS wanted (client_id)
LEFT JOIN tokens.service_clients c ON c.client_id = wanted.client_id AND c.revoked_at IS NULL
LEFT JOIN tokens.service_client_merchants m ON m.client_id = c.client_id
GROUP BY wanted.client_id, c.client_id;
