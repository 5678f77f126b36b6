INSERT INTO vault.merchants (merchant_id, name) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET name = excluded.name
RETURNING merchant_id;
