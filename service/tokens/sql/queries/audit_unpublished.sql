-- The next audit rows in commit order after the checkpoint ($1 tx_id, $2 id), at most $3 of them.
-- Only transactions below the xmin horizon are read: each of those has committed or aborted, so no
-- row can later appear before a position the publisher has moved past.
SELECT id, tx_id::text::bigint AS tx_id, topic, record_key, payload::text AS payload
FROM tokens.audit_outbox
WHERE (tx_id, id) > ($1::bigint::text::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx_id, id
LIMIT $3;
