-- The positions of a batch's streams, locked so two projector instances cannot apply the same
-- stream concurrently (after a rebalance, the old owner may still be finishing its batch).
SELECT stream_id, stream_version FROM vault.projection_positions
WHERE projection = $1 AND stream_id = any($2::text[])
ORDER BY stream_id
FOR UPDATE;
