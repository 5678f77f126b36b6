-- The events of one stream after a version the reader already holds, oldest first.
SELECT global_position, tx_id::text::bigint AS tx_id, stream_id, stream_version, event_id,
       event_type, schema_version, data, metadata::text AS metadata, recorded_at
FROM vault.events
WHERE stream_id = $1 AND stream_version > $2
ORDER BY stream_version;
