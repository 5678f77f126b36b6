-- Session-level advisory lock: one token reconciler active across every `vault api` replica.
SELECT pg_try_advisory_lock(hashtext('customervault.token-reconciler'));
