SELECT key_id, secret_sha256 FROM vault.api_keys WHERE NOT secret_peppered FOR UPDATE;
