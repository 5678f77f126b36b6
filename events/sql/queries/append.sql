-- Append a batch of events to one stream in one round trip, if the stream is at the expected version.
-- $1 stream_id, $2 expected version (0 for a new stream), $3..$7 parallel arrays, one element per event.
-- No row comes back when the stream moved on (or has a gap below the expected version); a writer that
-- raced us to the same versions gets a unique violation on (stream_id, stream_version) instead.
INSERT INTO vault.events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
SELECT $1, $2 + e.ordinal, e.event_id, e.event_type, e.schema_version, e.data, e.metadata
FROM unnest($3::uuid[], $4::text[], $5::int2[], $6::bytea[], $7::jsonb[])
     WITH ORDINALITY AS e (event_id, event_type, schema_version, data, metadata, ordinal)
WHERE coalesce((SELECT max(stream_version) FROM vault.events WHERE stream_id = $1), 0) = $2
RETURNING global_position, stream_version, recorded_at;
