SELECT kek_id, wrapped_secret
FROM tokens.fingerprint_keys
WHERE merchant_id = $1 AND version = $2;
