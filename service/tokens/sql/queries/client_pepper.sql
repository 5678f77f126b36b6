UPDATE tokens.service_clients SET secret_sha256 = $2, secret_peppered = true
WHERE client_id = $1 AND NOT secret_peppered;
