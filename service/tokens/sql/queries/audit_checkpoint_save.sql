-- Move the checkpoint forward, after Kafka acknowledged every row up to it.
UPDATE tokens.audit_checkpoint
SET tx_id = $1, id = $2, published = published + $3, updated_at = now();
