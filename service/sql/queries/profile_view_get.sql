SELECT document FROM vault.profile_view WHERE profile_id = $1 AND merchant_id = $2;
