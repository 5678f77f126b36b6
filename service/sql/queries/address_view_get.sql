SELECT document FROM vault.address_view
WHERE address_id = $1 AND profile_id = $2 AND merchant_id = $3;
