INSERT INTO vault.mandate_view
    (mandate_id, profile_id, merchant_id, bank_account_id, position, payment_token, document)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
ON CONFLICT (mandate_id) DO UPDATE SET document = excluded.document;
