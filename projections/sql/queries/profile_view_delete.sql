DELETE FROM vault.profile_view WHERE profile_id = $1;
