-- One AES-256 data key per data subject (a profile), wrapped by a key-encryption key. Personal data
-- in event payloads is sealed with it; deleting the row crypto-shreds every copy of those payloads,
-- in this database and in Kafka, while the events themselves stay.
CREATE TABLE vault.personal_data_keys (
    subject_id  uuid        PRIMARY KEY,
    kek_id      text        NOT NULL,
    wrapped_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
