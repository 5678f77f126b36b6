WITH cards AS (DELETE FROM vault.card_view WHERE profile_id = $1),
     mandates AS (DELETE FROM vault.mandate_view WHERE profile_id = $1)
DELETE FROM vault.bank_account_view WHERE profile_id = $1;
