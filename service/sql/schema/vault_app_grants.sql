-- The runtime role of the vault API, relay and projector (production logs in as a member of it;
-- migrations run as the schema owner). Least privilege: the event store is append-only for it
-- (INSERT and SELECT, never UPDATE or DELETE), on top of the immutability trigger.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vault_app') THEN
        CREATE ROLE vault_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA vault TO vault_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA vault TO vault_app;
REVOKE UPDATE, DELETE, TRUNCATE ON vault.events FROM vault_app;
REVOKE INSERT, UPDATE, DELETE ON vault.schema_migrations FROM vault_app;
-- Rebuilds empty a view with TRUNCATE (see projections/rebuild.py).
GRANT TRUNCATE ON vault.profile_view, vault.address_view, vault.card_view,
    vault.bank_account_view, vault.mandate_view, vault.customer_search TO vault_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA vault TO vault_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA vault GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO vault_app;
