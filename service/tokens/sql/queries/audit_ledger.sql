SELECT id, payload::text AS payload
FROM tokens.audit_outbox
WHERE record_key = $1
  AND ($2::text IS NULL OR payload ->> 'tokenFingerprint' = $2)
  AND ($3::timestamptz IS NULL OR created_at >= $3)
  AND ($4::timestamptz IS NULL OR created_at < $4)
  AND ($5::bigint IS NULL OR id < $5)
ORDER BY id DESC
LIMIT $6;
