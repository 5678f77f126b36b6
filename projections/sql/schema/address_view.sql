-- A profile's addresses, in the order they were added (``position`` is the stream version that added
-- the address). ``document`` is the Paysafe Address resource.
CREATE TABLE vault.address_view (
    address_id  uuid    PRIMARY KEY,
    profile_id  uuid    NOT NULL,
    merchant_id uuid    NOT NULL,
    position    integer NOT NULL,
    document    jsonb   NOT NULL
);

CREATE INDEX address_view_by_profile ON vault.address_view (profile_id, position);
