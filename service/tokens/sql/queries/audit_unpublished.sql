SELECT id, topic, record_key, payload::text AS payload
FROM tokens.audit_outbox
WHERE published_at IS NULL
ORDER BY id
LIMIT $1;
