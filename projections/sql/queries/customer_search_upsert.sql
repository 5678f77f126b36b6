INSERT INTO vault.customer_search
    (profile_id, merchant_id, merchant_customer_id, email, full_name, phone_digits, document, updated_at)
VALUES ($1, $2, $3, $4, $5, $6::text[], $7::jsonb, $8)
ON CONFLICT (profile_id) DO UPDATE SET
    merchant_customer_id = excluded.merchant_customer_id,
    email = excluded.email,
    full_name = excluded.full_name,
    phone_digits = excluded.phone_digits,
    document = excluded.document,
    updated_at = excluded.updated_at;
