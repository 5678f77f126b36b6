-- The only place raw card and bank numbers live (encrypted). No other role may even look inside.
CREATE SCHEMA tokens AUTHORIZATION vault_tokens;

REVOKE ALL ON SCHEMA tokens FROM PUBLIC;
