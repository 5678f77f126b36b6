INSERT INTO tokens.fingerprint_keys (merchant_id, version, kek_id, wrapped_secret)
VALUES ($1, $2, $3, $4)
ON CONFLICT (merchant_id, version) DO NOTHING;
