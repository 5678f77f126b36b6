-- Every instrument token of a profile, to destroy in the token service before the profile goes.
SELECT payment_token FROM vault.mandate_view WHERE profile_id = $1 AND merchant_id = $2
UNION ALL
SELECT payment_token FROM vault.card_view WHERE profile_id = $1 AND merchant_id = $2
UNION ALL
SELECT payment_token FROM vault.bank_account_view WHERE profile_id = $1 AND merchant_id = $2;
