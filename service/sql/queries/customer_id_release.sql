DELETE FROM vault.merchant_customer_ids WHERE profile_id = $1;
