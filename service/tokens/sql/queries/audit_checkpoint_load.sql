SELECT tx_id, id FROM tokens.audit_checkpoint;
