SELECT document, payment_token FROM vault.bank_account_view
WHERE bank_account_id = $1 AND profile_id = $2 AND merchant_id = $3 AND kind = $4;
