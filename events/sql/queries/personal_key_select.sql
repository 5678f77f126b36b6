-- The wrapped data keys of the given subjects; a destroyed (shredded) key has no row.
SELECT subject_id, kek_id, wrapped_key FROM vault.personal_data_keys WHERE subject_id = any($1::uuid[]);
