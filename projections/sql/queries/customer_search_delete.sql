DELETE FROM vault.customer_search WHERE profile_id = $1;
