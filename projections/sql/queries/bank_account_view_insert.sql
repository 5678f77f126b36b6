INSERT INTO vault.bank_account_view
    (bank_account_id, profile_id, merchant_id, kind, position, payment_token, document)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
ON CONFLICT (bank_account_id) DO UPDATE SET document = excluded.document;
