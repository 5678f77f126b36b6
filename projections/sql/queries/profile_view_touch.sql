-- An address change is a change of the profile too: its version moves on.
UPDATE vault.profile_view SET stream_version = $2, updated_at = $3 WHERE profile_id = $1;
