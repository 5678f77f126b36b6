DELETE FROM vault.bank_account_view WHERE bank_account_id = $1;
