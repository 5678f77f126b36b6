INSERT INTO vault.address_view (address_id, profile_id, merchant_id, position, document)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (address_id) DO UPDATE SET document = excluded.document;
