-- The payment tokens a merchant's committed state references (the inline views commit with the
-- events): instruments' tokens (true), which must resolve, and profiles' tokens (false).
SELECT payment_token, true AS instrument FROM vault.card_view WHERE merchant_id = $1
UNION ALL
SELECT payment_token, true FROM vault.bank_account_view WHERE merchant_id = $1
UNION ALL
SELECT payment_token, true FROM vault.mandate_view WHERE merchant_id = $1
UNION ALL
SELECT payment_token, false FROM vault.profile_view WHERE merchant_id = $1;
