-- Publication of audit rows by a checkpoint in commit order (as the vault's relay does), instead of
-- an UPDATE of published_at per row: that UPDATE rewrote every row once more (a new heap tuple and
-- four index entries, then vacuum), about as much as writing it. A row is published once Kafka
-- acknowledged it and the checkpoint moved past its (tx_id, id); published_at is kept for the rows
-- published before this migration (their tx_id stays NULL: behind every checkpoint).
ALTER TABLE tokens.audit_outbox ADD COLUMN tx_id xid8;
ALTER TABLE tokens.audit_outbox ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id();
UPDATE tokens.audit_outbox SET tx_id = pg_current_xact_id() WHERE published_at IS NULL;

CREATE UNIQUE INDEX audit_outbox_commit_order ON tokens.audit_outbox (tx_id, id);
DROP INDEX tokens.audit_outbox_unpublished;
-- The retention purge's index no longer depends on published_at (which new rows never set).
DROP INDEX tokens.audit_outbox_age;
CREATE INDEX audit_outbox_age ON tokens.audit_outbox (created_at);

CREATE TABLE tokens.audit_checkpoint (
    single     boolean     PRIMARY KEY DEFAULT true CHECK (single),
    tx_id      bigint      NOT NULL DEFAULT 0,
    id         bigint      NOT NULL DEFAULT 0,
    published  bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tokens.audit_checkpoint DEFAULT VALUES;
ALTER TABLE tokens.audit_checkpoint OWNER TO vault_tokens;

-- What Kafka has not acknowledged yet (the backlog metric; tests wait on it).
CREATE VIEW tokens.audit_unpublished AS
SELECT o.*
FROM tokens.audit_outbox o, tokens.audit_checkpoint c
WHERE (o.tx_id, o.id) > (c.tx_id::text::xid8, c.id);
ALTER VIEW tokens.audit_unpublished OWNER TO vault_tokens;
