-- A new record and its audit-outbox row in one statement: both are written or neither (a
-- tokenize needs no BEGIN/COMMIT round trips). No row back: the token was taken, draw another.
WITH inserted AS (
    INSERT INTO tokens.instruments (
        token, merchant_id, kind, single_use, status, kek_id, wrapped_key, ciphertext, fingerprint,
        fingerprint_version, bin, last_digits, bank_token, expires_at
    )
    VALUES (
        $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
        CASE WHEN $14::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $14::float8) END
    )
    ON CONFLICT (token) DO NOTHING
    RETURNING expires_at
), audited AS (
    INSERT INTO tokens.audit_outbox (topic, record_key, payload)
    SELECT $15, $16, $17::jsonb FROM inserted
)
SELECT expires_at FROM inserted;
