-- A relay's checkpoint, created the first time the relay runs ($1 relay name): at the start of the
-- log, or with $2 (VAULT_RELAY_START=head) at the store's head as the relay reads it. The relay reads
-- only transactions below the xmin horizon (read_committed.sql), so the head is (xmin, 0): every
-- transaction below it has committed or aborted and is history; one at or above it may still commit
-- and is published (global_position starts at 1, so (xmin, 0) comes before all of xmin's events).
-- A transaction that committed above a horizon held back by an older open one is published too: at
-- least once, never skipped.
INSERT INTO vault.relay_checkpoints (relay_name, tx_id, global_position)
VALUES ($1, CASE WHEN $2 THEN pg_snapshot_xmin(pg_current_snapshot())::text::bigint ELSE 0 END, 0)
ON CONFLICT (relay_name) DO UPDATE SET relay_name = excluded.relay_name
RETURNING tx_id, global_position;
