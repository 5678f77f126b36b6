DELETE FROM vault.projection_positions WHERE projection = $1;
