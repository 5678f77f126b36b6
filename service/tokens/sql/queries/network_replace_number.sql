UPDATE tokens.instruments
SET kek_id = $2, wrapped_key = $3, ciphertext = $4, status = $5, fingerprint = $6,
    fingerprint_version = $7, bin = $8, last_digits = $9, network_effective_at = $10,
    updated_at = now()
WHERE token = $1 AND deleted_at IS NULL;
