-- Events are immutable: personal data is removed by destroying its key (crypto-shredding), never by
-- rewriting history. The trigger makes an accidental UPDATE, DELETE or TRUNCATE fail loudly.
CREATE FUNCTION vault.events_are_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'vault.events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON vault.events
    FOR EACH ROW EXECUTE FUNCTION vault.events_are_immutable();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON vault.events
    FOR EACH STATEMENT EXECUTE FUNCTION vault.events_are_immutable();
