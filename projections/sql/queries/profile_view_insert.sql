INSERT INTO vault.profile_view
    (profile_id, merchant_id, merchant_customer_id, payment_token, stream_version, document, updated_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
ON CONFLICT (profile_id) DO UPDATE SET
    merchant_customer_id = excluded.merchant_customer_id,
    stream_version = excluded.stream_version,
    document = excluded.document,
    updated_at = excluded.updated_at;
