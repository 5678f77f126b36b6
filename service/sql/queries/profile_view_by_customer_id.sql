SELECT profile_id, document FROM vault.profile_view
WHERE merchant_id = $1 AND merchant_customer_id = $2
ORDER BY profile_id
LIMIT 10;
