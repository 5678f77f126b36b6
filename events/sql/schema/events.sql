-- The event store: one append-only table holding every stream's events.
--
-- Two orders live here. (stream_id, stream_version) is the order *within* a stream and doubles as
-- the optimistic-concurrency guard: two writers that both decided on version N+1 collide on the
-- primary key and the loser retries. (tx_id, global_position) is the *commit* order that readers of
-- all streams (relay, rebuild) follow: global_position alone is taken when a row is inserted, not
-- when its transaction commits, so a reader that trusted it would skip a lower position whose
-- transaction committed late. Readers therefore only read below pg_snapshot_xmin(), the horizon
-- under which every transaction has either committed or aborted.
CREATE SCHEMA IF NOT EXISTS vault;

CREATE TABLE vault.events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY,
    tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version > 0),
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  smallint    NOT NULL CHECK (schema_version > 0),
    data            bytea       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (stream_id, stream_version)
);

CREATE UNIQUE INDEX events_commit_order ON vault.events (tx_id, global_position);
