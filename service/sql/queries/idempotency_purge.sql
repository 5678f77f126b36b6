-- Records older than the retention window, and claims abandoned as long ago.
DELETE FROM vault.idempotency_keys WHERE created_at < now() - make_interval(secs => $1)
