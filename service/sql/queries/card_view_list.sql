SELECT document FROM vault.card_view WHERE profile_id = $1 AND merchant_id = $2 ORDER BY position;
