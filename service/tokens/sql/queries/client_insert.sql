INSERT INTO tokens.service_clients (
    client_id, name, scopes, secret_sha256, all_merchants, secret_peppered
)
VALUES ($1, $2, $3, $4, $5, $6);
