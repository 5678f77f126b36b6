SELECT document, payment_token FROM vault.card_view
WHERE card_id = $1 AND profile_id = $2 AND merchant_id = $3;
