-- Encrypted instrument records, one per token. The instrument is sealed (AES-256-GCM) under a fresh
-- data key, which is wrapped by a KEK; both bind merchant + token + kind as associated data.
-- Deleting, redeeming or expiring a record destroys ciphertext and wrapped key and leaves a
-- tombstone (deleted_at, destroyed_reason) so later lookups are answered and audited.
CREATE TABLE tokens.instruments (
    token               text        PRIMARY KEY,
    merchant_id         uuid        NOT NULL,
    kind                text        NOT NULL
        CHECK (kind IN ('card', 'ach', 'eft', 'bacs', 'sepa', 'mandate')),
    single_use          boolean     NOT NULL DEFAULT false,
    status              text        NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE')),
    kek_id              text,
    wrapped_key         bytea,
    ciphertext          bytea,
    fingerprint         text,
    fingerprint_version integer,
    bin                 text,
    last_digits         text,
    bank_token          text        REFERENCES tokens.instruments (token),
    expires_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    destroyed_reason    text        CHECK (destroyed_reason IN ('deleted', 'redeemed', 'expired')),
    CHECK ((kek_id IS NULL) = (wrapped_key IS NULL) AND (wrapped_key IS NULL) = (ciphertext IS NULL)),
    CHECK ((deleted_at IS NULL) = (ciphertext IS NOT NULL))
);

CREATE INDEX instruments_by_kek ON tokens.instruments (kek_id) WHERE kek_id IS NOT NULL;

CREATE INDEX instruments_live_single_use ON tokens.instruments (expires_at)
    WHERE single_use AND ciphertext IS NOT NULL;

CREATE INDEX instruments_by_fingerprint ON tokens.instruments (merchant_id, fingerprint)
    WHERE fingerprint IS NOT NULL;

CREATE INDEX instruments_by_bank_token ON tokens.instruments (bank_token)
    WHERE bank_token IS NOT NULL;

ALTER TABLE tokens.instruments OWNER TO vault_tokens;
