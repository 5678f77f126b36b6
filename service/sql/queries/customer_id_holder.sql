SELECT profile_id FROM vault.merchant_customer_ids
WHERE merchant_id = $1 AND merchant_customer_id = $2;
