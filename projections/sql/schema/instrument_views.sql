-- A profile's cards, bank accounts and mandates as the API returns them (``document`` is the
-- Paysafe resource; never a card or account number). Written inline with the profile view.
CREATE TABLE vault.card_view (
    card_id       uuid    PRIMARY KEY,
    profile_id    uuid    NOT NULL,
    merchant_id   uuid    NOT NULL,
    position      integer NOT NULL,
    payment_token text    NOT NULL UNIQUE,
    document      jsonb   NOT NULL
);
CREATE INDEX card_view_by_profile ON vault.card_view (profile_id, position);

CREATE TABLE vault.bank_account_view (
    bank_account_id uuid    PRIMARY KEY,
    profile_id      uuid    NOT NULL,
    merchant_id     uuid    NOT NULL,
    kind            text    NOT NULL CHECK (kind IN ('ach', 'eft', 'bacs', 'sepa')),
    position        integer NOT NULL,
    payment_token   text    NOT NULL UNIQUE,
    document        jsonb   NOT NULL
);
CREATE INDEX bank_account_view_by_profile ON vault.bank_account_view (profile_id, kind, position);

CREATE TABLE vault.mandate_view (
    mandate_id      uuid    PRIMARY KEY,
    profile_id      uuid    NOT NULL,
    merchant_id     uuid    NOT NULL,
    bank_account_id uuid    NOT NULL,
    position        integer NOT NULL,
    payment_token   text    NOT NULL UNIQUE,
    document        jsonb   NOT NULL
);
CREATE INDEX mandate_view_by_profile ON vault.mandate_view (profile_id, position);
