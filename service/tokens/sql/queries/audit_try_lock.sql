SELECT pg_try_advisory_lock(hashtext('tokens.audit_outbox'));
