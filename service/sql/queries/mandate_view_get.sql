SELECT document, payment_token FROM vault.mandate_view
WHERE mandate_id = $1 AND profile_id = $2 AND merchant_id = $3;
