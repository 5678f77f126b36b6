-- A relay's checkpoint, created at the start of the log the first time the relay runs.
INSERT INTO vault.relay_checkpoints (relay_name) VALUES ($1)
ON CONFLICT (relay_name) DO UPDATE SET relay_name = excluded.relay_name
RETURNING tx_id, global_position;
