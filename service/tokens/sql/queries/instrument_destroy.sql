-- Crypto-shred one record: the ciphertext and its wrapped data key go, a tombstone stays.
UPDATE tokens.instruments
SET kek_id = NULL, wrapped_key = NULL, ciphertext = NULL, fingerprint = NULL,
    fingerprint_version = NULL, bin = NULL, last_digits = NULL, deleted_at = now(),
    updated_at = now(), destroyed_reason = $2
WHERE token = $1 AND deleted_at IS NULL;
