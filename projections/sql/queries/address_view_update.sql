UPDATE vault.address_view SET document = $2::jsonb WHERE address_id = $1;
