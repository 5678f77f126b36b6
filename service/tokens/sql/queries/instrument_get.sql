SELECT token, merchant_id, kind, single_use, status, kek_id, wrapped_key, ciphertext, fingerprint,
       fingerprint_version, bin, last_digits, bank_token, expires_at, deleted_at,
       expires_at IS NOT NULL AND expires_at <= now() AS expired
FROM tokens.instruments
WHERE token = $1;
