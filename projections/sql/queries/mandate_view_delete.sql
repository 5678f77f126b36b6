DELETE FROM vault.mandate_view WHERE mandate_id = $1;
