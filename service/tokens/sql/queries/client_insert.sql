INSERT INTO tokens.service_clients (client_id, name, scopes, secret_sha256) VALUES ($1, $2, $3, $4);
