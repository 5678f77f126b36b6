DELETE FROM vault.card_view WHERE card_id = $1;
