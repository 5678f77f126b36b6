SELECT network_effective_at FROM tokens.instruments WHERE token = $1;
