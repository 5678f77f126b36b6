-- Every event of one stream, oldest first.
SELECT global_position, tx_id::text::bigint AS tx_id, stream_id, stream_version, event_id,
       event_type, schema_version, data, metadata::text AS metadata, recorded_at
FROM vault.events
WHERE stream_id = $1
ORDER BY stream_version;
