-- Move the checkpoint forward, after Kafka acknowledged every event up to it.
UPDATE vault.relay_checkpoints
SET tx_id = $2, global_position = $3, events_published = events_published + $4, updated_at = now()
WHERE relay_name = $1;
