SELECT profile_id, card_id FROM vault.card_view WHERE merchant_id = $1 AND payment_token = $2;
