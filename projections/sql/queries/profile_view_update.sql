-- A full replacement of the profile's attributes; id and paymentToken are kept from the row.
UPDATE vault.profile_view SET
    merchant_customer_id = $2,
    stream_version = $3,
    document = jsonb_build_object('id', profile_id::text, 'paymentToken', payment_token) || $4::jsonb,
    updated_at = $5
WHERE profile_id = $1;
