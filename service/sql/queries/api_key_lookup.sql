-- Always exactly one row (NULLs for an unknown or revoked key id), so both answers cost the same.
SELECT k.merchant_id, k.kind, k.secret_sha256, k.secret_peppered
FROM (VALUES ($1::text)) AS wanted (key_id)
LEFT JOIN vault.api_keys k ON k.key_id = wanted.key_id AND k.revoked_at IS NULL;
