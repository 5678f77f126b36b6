-- The relay is about to sleep ($2 > 0: wake me with a NOTIFY for the next $2 seconds) or is busy
-- again ($2 = 0): appends NOTIFY only while a relay's lease runs (see schema/events_notify.sql).
UPDATE vault.relay_checkpoints
SET wake_until = CASE WHEN $2::float8 > 0 THEN now() + make_interval(secs => $2::float8) END
WHERE relay_name = $1;
