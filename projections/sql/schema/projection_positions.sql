-- The last stream version each asynchronous projection applied, per stream. Updated in the same
-- transaction as the projection's rows, so a redelivered Kafka record is recognised and skipped.
CREATE TABLE vault.projection_positions (
    projection     text    NOT NULL,
    stream_id      text    NOT NULL,
    stream_version integer NOT NULL,
    PRIMARY KEY (projection, stream_id)
);
