UPDATE tokens.service_clients SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL;
