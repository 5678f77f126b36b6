-- One page of a merchant's live permanent records after a token (keyset pagination), with the
-- database's clock so the caller measures their age with the clock that stamped created_at.
SELECT token, kind, status, created_at, now() AS as_of
FROM tokens.instruments
WHERE merchant_id = $1 AND NOT single_use AND deleted_at IS NULL AND token > $2
ORDER BY token
LIMIT $3;
