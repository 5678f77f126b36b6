SELECT scopes, secret_sha256
FROM tokens.service_clients
WHERE client_id = $1 AND revoked_at IS NULL;
