UPDATE tokens.fingerprint_keys SET kek_id = $3, wrapped_secret = $4
WHERE merchant_id = $1 AND version = $2 AND kek_id = $5;
