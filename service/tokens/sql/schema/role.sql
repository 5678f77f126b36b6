-- The token service's own database role. It owns the tokens schema and nothing else. Created
-- NOLOGIN here (dev and tests connect with the migrating superuser's URL); production gives it LOGIN
-- and a password from a Secret: ALTER ROLE vault_tokens LOGIN PASSWORD '…' (see docs/token-service.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'vault_tokens') THEN
        CREATE ROLE vault_tokens NOLOGIN;
    END IF;
END
$$;
