-- Wakes an idle relay (LISTEN vault_events) when events commit, instead of it polling.
--
-- Only an idle relay is notified: a relay about to sleep sets `wake_until` on its checkpoint row (a
-- lease of a few seconds, renewed while it sleeps, so a relay that died stops costing NOTIFYs) and
-- clears it when it is busy again. A transaction that NOTIFYs takes a database-wide lock at commit that
-- serialises the commits of every other notifying transaction (and, with synchronous_commit on,
-- holds it across the WAL flush), so notifying on every append would cap the write throughput
-- under load; a busy relay is polling anyway and needs no wake-up.
--
-- A statement-level trigger: one check per append statement; the NOTIFY is delivered at commit
-- (never for a rolled-back append) and identical notifications of one transaction fold into one.
ALTER TABLE vault.relay_checkpoints ADD COLUMN wake_until timestamptz;

CREATE FUNCTION vault.events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM vault.relay_checkpoints WHERE wake_until > now()) THEN
        PERFORM pg_notify('vault_events', '');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_relay
    AFTER INSERT ON vault.events
    FOR EACH STATEMENT EXECUTE FUNCTION vault.events_notify();
