-- Every committed event after position ($1 tx_id, $2 global_position) in commit order, without the
-- xmin horizon: only for a reader that holds the locks keeping writers of its target out (rebuild).
SELECT global_position, tx_id::text::bigint AS tx_id, stream_id, stream_version, event_id,
       event_type, schema_version, data, metadata::text AS metadata, recorded_at
FROM vault.events
WHERE (tx_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
ORDER BY tx_id, global_position
LIMIT $3;
