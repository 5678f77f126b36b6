-- Crypto-shredding: without this row no copy of the subject's sealed personal data can be opened.
DELETE FROM vault.personal_data_keys WHERE subject_id = $1;
