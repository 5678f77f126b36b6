-- Where each relay has got to in commit order. Written only after Kafka acknowledged every event up
-- to this position, so a crash replays (at least once) rather than skips.
CREATE TABLE vault.relay_checkpoints (
    relay_name      text        PRIMARY KEY,
    tx_id           bigint      NOT NULL DEFAULT 0,
    global_position bigint      NOT NULL DEFAULT 0,
    events_published bigint     NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
