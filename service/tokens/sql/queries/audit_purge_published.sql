-- Kept for the retention after they were written; a row Kafka has not acknowledged is never purged.
DELETE FROM tokens.audit_outbox
WHERE published_at IS NOT NULL AND created_at < now() - make_interval(secs => $1::float8);
