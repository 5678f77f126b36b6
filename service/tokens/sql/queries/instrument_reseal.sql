UPDATE tokens.instruments
SET kek_id = $2, wrapped_key = $3, ciphertext = $4, status = $5, updated_at = now()
WHERE token = $1 AND deleted_at IS NULL;
