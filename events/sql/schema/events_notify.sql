-- Wakes the relay (LISTEN vault_events) when events commit, instead of it polling. A statement-level
-- trigger: one NOTIFY per append statement, delivered at commit (never for a rolled-back append),
-- and PostgreSQL folds identical notifications of one transaction into one. The payload is empty:
-- the relay reads in commit order from its checkpoint whatever woke it.
CREATE FUNCTION vault.events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vault_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_relay
    AFTER INSERT ON vault.events
    FOR EACH STATEMENT EXECUTE FUNCTION vault.events_notify();
