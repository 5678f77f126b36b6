SELECT client_id, secret_sha256 FROM tokens.service_clients WHERE NOT secret_peppered FOR UPDATE;
