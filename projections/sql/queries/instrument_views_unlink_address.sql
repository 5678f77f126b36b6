-- A removed address is no longer any card's or bank account's billing address.
WITH cards AS (
    UPDATE vault.card_view SET document = document - 'billingAddressId'
    WHERE profile_id = $1 AND document ->> 'billingAddressId' = $2::uuid::text
)
UPDATE vault.bank_account_view SET document = document - 'billingAddressId'
WHERE profile_id = $1 AND document ->> 'billingAddressId' = $2::uuid::text;
