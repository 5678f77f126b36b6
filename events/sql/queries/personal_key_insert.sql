-- Store a new subject's wrapped data key. A second insert for the same subject is a bug upstream.
INSERT INTO vault.personal_data_keys (subject_id, kek_id, wrapped_key) VALUES ($1, $2, $3);
