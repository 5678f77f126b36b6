-- Full replacement of a card's updatable fields: those left out of the update are cleared.
UPDATE vault.card_view
SET document = (document - 'cardExpiry' - 'billingAddressId' - 'holderName' - 'nickName'
                         - 'merchantRefNum') || $2::jsonb
WHERE card_id = $1;
