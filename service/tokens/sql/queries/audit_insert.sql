INSERT INTO tokens.audit_outbox (topic, record_key, payload) VALUES ($1, $2, $3::jsonb);
