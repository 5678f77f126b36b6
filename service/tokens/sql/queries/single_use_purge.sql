-- Expired single-use records (and the CVV inside them) are destroyed even if never redeemed.
UPDATE tokens.instruments
SET kek_id = NULL, wrapped_key = NULL, ciphertext = NULL, fingerprint = NULL,
    fingerprint_version = NULL, bin = NULL, last_digits = NULL, deleted_at = now(),
    updated_at = now(), destroyed_reason = 'expired'
WHERE single_use AND ciphertext IS NOT NULL AND expires_at <= now();
