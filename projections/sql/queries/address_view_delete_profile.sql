DELETE FROM vault.address_view WHERE profile_id = $1;
