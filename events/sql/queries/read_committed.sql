-- The next events in commit order after position ($1 tx_id, $2 global_position), at most $3 of them.
-- Only transactions below the xmin horizon are read: each of those has committed or aborted, so no
-- event can later appear before the position a reader has moved past.
SELECT global_position, tx_id::text::bigint AS tx_id, stream_id, stream_version, event_id,
       event_type, schema_version, data, metadata::text AS metadata, recorded_at
FROM vault.events
WHERE (tx_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx_id, global_position
LIMIT $3;
