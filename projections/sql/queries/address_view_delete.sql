DELETE FROM vault.address_view WHERE address_id = $1;
