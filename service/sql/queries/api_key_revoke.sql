UPDATE vault.api_keys SET revoked_at = now()
WHERE key_id = $1 AND revoked_at IS NULL
RETURNING merchant_id;
