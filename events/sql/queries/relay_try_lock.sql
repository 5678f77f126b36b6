-- Session-level advisory lock per relay name: held for as long as the relay's connection lives.
SELECT pg_try_advisory_lock(hashtext('customervault.relay'), hashtext($1));
