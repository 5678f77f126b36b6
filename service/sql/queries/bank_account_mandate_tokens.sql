SELECT payment_token FROM vault.mandate_view WHERE bank_account_id = $1 AND merchant_id = $2;
