SELECT kind, document FROM vault.bank_account_view
WHERE profile_id = $1 AND merchant_id = $2
ORDER BY position;
