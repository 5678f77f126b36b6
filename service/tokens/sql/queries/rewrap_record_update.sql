UPDATE tokens.instruments SET kek_id = $2, wrapped_key = $3 WHERE token = $1 AND kek_id = $4;
