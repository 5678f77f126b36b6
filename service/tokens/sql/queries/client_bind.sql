INSERT INTO tokens.service_client_merchants (client_id, merchant_id)
SELECT $1, unnest($2::uuid[]);
