SELECT c.scopes, c.secret_sha256, c.all_merchants,
       coalesce(array_agg(m.merchant_id) FILTER (WHERE m.merchant_id IS NOT NULL), '{}') AS merchants
FROM tokens.service_clients c
LEFT JOIN tokens.service_client_merchants m USING (client_id)
WHERE c.client_id = $1 AND c.revoked_at IS NULL
GROUP BY c.client_id;
