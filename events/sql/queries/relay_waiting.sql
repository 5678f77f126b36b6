-- The relay is about to sleep ($2 true) or has woken ($2 false): appends NOTIFY only while a relay
-- waits (see schema/events_notify.sql).
UPDATE vault.relay_checkpoints SET waiting = $2 WHERE relay_name = $1;
