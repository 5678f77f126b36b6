DELETE FROM tokens.audit_outbox
WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1::float8);
