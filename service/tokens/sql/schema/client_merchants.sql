-- Service clients are bound to merchants: a client acts for the merchants listed here, or for every
-- merchant when all_merchants is set (a platform-wide payments service, chosen explicitly). A
-- client created before this migration is bound to no merchant until an operator binds it.
ALTER TABLE tokens.service_clients ADD COLUMN all_merchants boolean NOT NULL DEFAULT false;

CREATE TABLE tokens.service_client_merchants (
    client_id   text NOT NULL REFERENCES tokens.service_clients (client_id),
    merchant_id uuid NOT NULL,
    PRIMARY KEY (client_id, merchant_id)
);

ALTER TABLE tokens.service_client_merchants OWNER TO vault_tokens;

-- Clients that existed before keep working as they did (every merchant), so an upgrade does not
-- cut the vault API off; operators narrow the payment clients (docs/token-service.md).
UPDATE tokens.service_clients SET all_merchants = true;

-- CLOSED is terminal: a closed token (a cancelled mandate) never resolves or changes again. The
-- vault deactivated closed mandates before (INACTIVE was set on no other mandate), so those close.
ALTER TABLE tokens.instruments DROP CONSTRAINT instruments_status_check;
ALTER TABLE tokens.instruments ADD CONSTRAINT instruments_status_check
    CHECK (status IN ('ACTIVE', 'INACTIVE', 'CLOSED'));
UPDATE tokens.instruments SET status = 'CLOSED' WHERE kind = 'mandate' AND status = 'INACTIVE';
