-- Kept for the retention after they were written; a row Kafka has not acknowledged is never purged.
DELETE FROM tokens.audit_outbox o
USING tokens.audit_checkpoint c
WHERE o.created_at < now() - make_interval(secs => $1::float8)
  AND (o.published_at IS NOT NULL OR (o.tx_id, o.id) <= (c.tx_id::text::xid8, c.id));
