INSERT INTO vault.api_keys (key_id, merchant_id, kind, secret_sha256, secret_peppered)
VALUES ($1, $2, $3, $4, $5);
