INSERT INTO vault.card_view (card_id, profile_id, merchant_id, position, payment_token, document)
VALUES ($1, $2, $3, $4, $5, $6::jsonb)
ON CONFLICT (card_id) DO UPDATE SET document = excluded.document;
