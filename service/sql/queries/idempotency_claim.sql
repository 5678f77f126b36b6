-- Claim a key, or take over a claim whose lease expired with the same request; returns the owner
-- when this caller holds the claim, no row otherwise.
INSERT INTO vault.idempotency_keys AS k (merchant_id, idempotency_key, fingerprint, owner, lease_until)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
ON CONFLICT (merchant_id, idempotency_key) DO UPDATE
    SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, created_at = now()
    WHERE k.response_status IS NULL AND k.lease_until < now() AND k.fingerprint = EXCLUDED.fingerprint
RETURNING owner
