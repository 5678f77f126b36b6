SELECT k.merchant_id, k.kind, k.secret_sha256
FROM vault.api_keys k
WHERE k.key_id = $1 AND k.revoked_at IS NULL;
