-- Per-merchant HMAC secrets for keyed fingerprints, wrapped by a key-encryption key. The associated
-- data binds a wrapped secret to its merchant, version and KEK id.
CREATE TABLE tokens.fingerprint_keys (
    merchant_id    uuid        NOT NULL,
    version        integer     NOT NULL,
    kek_id         text        NOT NULL,
    wrapped_secret bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, version)
);

CREATE INDEX fingerprint_keys_by_kek ON tokens.fingerprint_keys (kek_id);

ALTER TABLE tokens.fingerprint_keys OWNER TO vault_tokens;
