UPDATE vault.api_keys SET secret_sha256 = $2, secret_peppered = true
WHERE key_id = $1 AND NOT secret_peppered;
